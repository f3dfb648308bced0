// Publishes awaiting their `ok`: sent when connected, retried with backoff under the same id
// (the hub dedupes it) after a timeout, a lost connection or a retryable error, until a deadline.
import type { ErrorFrame, OkFrame } from "../protocol/index.js";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import { HubClientError } from "./client-error.js";

export type OutboxOptions = {
  /** How long one attempt waits for its `ok` before it is sent again. */
  timeoutMs: number;
  /** How long a publish keeps trying in total before it rejects with `publish_timeout`. */
  deadlineMs: number;
  /** Bound on publishes awaiting `ok`, queued ones included; beyond it publish rejects with `queue_full`. */
  maxPending: number;
  backoff: BackoffOptions;
  random: () => number;
};

export type PublishResult = { id: string; ch: string; seq: number };

/** Error codes after which the same publish may succeed later. */
// publish_outcome_unknown: the publish may be stored; the resend carries the same id, so the
// hub deduplicates it.
const RETRYABLE = new Set(["unavailable", "rate_limited", "publish_outcome_unknown"]);

type Entry = {
  id: string;
  frame: string;
  attempt: number;
  // queued: waits for a connection; sent: waits for ok; backoff: waits for its retry timer.
  state: "queued" | "sent" | "backoff";
  timer: ReturnType<typeof setTimeout> | undefined;
  deadline: ReturnType<typeof setTimeout>;
  resolve: (r: PublishResult) => void;
  reject: (e: HubClientError) => void;
};

export class Outbox {
  readonly #opts: OutboxOptions;
  // Insertion order is publish order, so a reconnect resends in the order the caller published.
  readonly #entries = new Map<string, Entry>();
  #send: ((frame: string) => void) | undefined;
  retries = 0;

  constructor(opts: OutboxOptions) {
    this.#opts = opts;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** Queues one publish (its frame already carries `id`); resolves on its `ok`. */
  add(id: string, frame: string): Promise<PublishResult> {
    if (this.#entries.size >= this.#opts.maxPending) {
      return Promise.reject(
        new HubClientError(
          "queue_full",
          `${this.#opts.maxPending} publishes already await their ok (maxPendingPublishes): wait for some to settle`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        id,
        frame,
        attempt: 0,
        state: "queued",
        timer: undefined,
        deadline: setTimeout(() => {
          this.#settle(entry);
          reject(
            new HubClientError(
              "publish_timeout",
              `no ok for publish ${id} within ${this.#opts.deadlineMs} ms (publishDeadlineMs); it may or may not be published: retry with the same id to be sure`,
            ),
          );
        }, this.#opts.deadlineMs),
        resolve,
        reject,
      };
      this.#entries.set(id, entry);
      if (this.#send) this.#transmit(entry);
    });
  }

  /** A connection is ready: send every queued publish through `send`. */
  connected(send: (frame: string) => void): void {
    this.#send = send;
    for (const e of this.#entries.values()) if (e.state === "queued") this.#transmit(e);
  }

  /** The connection is gone: publishes awaiting an ok go out again on the next one. */
  disconnected(): void {
    this.#send = undefined;
    for (const e of this.#entries.values()) {
      if (e.state !== "sent") continue;
      clearTimeout(e.timer);
      e.timer = undefined;
      e.state = "queued";
    }
  }

  /** Settles the publish this `ok` answers; false when it is not ours. */
  onOk(frame: OkFrame): boolean {
    const e = this.#entries.get(frame.id);
    if (!e) return false;
    this.#settle(e);
    e.resolve({ id: frame.id, ch: frame.ch, seq: frame.seq });
    return true;
  }

  /** Retries or rejects the publish this error answers; false when it is not ours. */
  onError(frame: ErrorFrame): boolean {
    const e = frame.id === undefined ? undefined : this.#entries.get(frame.id);
    if (!e) return false;
    if (RETRYABLE.has(frame.code)) {
      this.#retry(e);
    } else {
      this.#settle(e);
      e.reject(new HubClientError(frame.code, frame.message));
    }
    return true;
  }

  /** Rejects every pending publish with `err` and clears every timer. */
  closeAll(err: HubClientError): void {
    this.#send = undefined;
    for (const e of [...this.#entries.values()]) {
      this.#settle(e);
      e.reject(err);
    }
  }

  #transmit(e: Entry): void {
    const send = this.#send;
    if (!send) {
      e.state = "queued";
      return;
    }
    e.state = "sent";
    e.timer = setTimeout(() => this.#retry(e), this.#opts.timeoutMs);
    send(e.frame);
  }

  #retry(e: Entry): void {
    clearTimeout(e.timer);
    this.retries++;
    e.state = "backoff";
    const delay = backoffDelay(e.attempt++, this.#opts.backoff, this.#opts.random);
    e.timer = setTimeout(() => {
      e.timer = undefined;
      this.#transmit(e);
    }, delay);
  }

  #settle(e: Entry): void {
    clearTimeout(e.timer);
    clearTimeout(e.deadline);
    this.#entries.delete(e.id);
  }
}

/** The `pub` frame for a publish, or the reason it cannot be sent. */
export function encodePublish(
  ch: string,
  data: unknown,
  id: string,
  maxBytes: number,
): string | HubClientError {
  if (data === undefined) return bad("publish data must be a JSON value, not undefined");
  let frame: string;
  try {
    frame = JSON.stringify({ op: "pub", ch, data, id });
  } catch (cause) {
    return new HubClientError("bad_request", "publish data must be JSON-serializable", { cause });
  }
  // UTF-8 takes one to three bytes per UTF-16 unit: encode only when the length does not decide.
  const over =
    frame.length > maxBytes ||
    (frame.length * 3 > maxBytes && new TextEncoder().encode(frame).length > maxBytes);
  if (over) {
    return bad(
      `publish frame is over maxPayloadBytes (${maxBytes}): the hub would close with 1009`,
    );
  }
  return frame;
}

function bad(message: string): HubClientError {
  return new HubClientError("bad_request", message);
}
