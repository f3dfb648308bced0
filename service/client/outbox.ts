// Publishes awaiting their `ok`: sent when connected, retried with backoff under the same id
// (the hub dedupes it) after a timeout, a lost connection or a retryable error, until a deadline.
// Ordered (the default), one channel's publishes go out one at a time, so retries can never
// store them out of the order the caller published them in.
import { type ErrorFrame, isRetryable, type OkFrame } from "../protocol/index.js";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import { HubClientError } from "./client-error.js";

export type OutboxOptions = {
  /** How long one attempt waits for its `ok` before it is sent again. */
  timeoutMs: number;
  /** How long a publish keeps trying in total before it rejects with `publish_timeout`. */
  deadlineMs: number;
  /** Bound on publishes awaiting `ok`, queued ones included; beyond it publish rejects with `queue_full`. */
  maxPending: number;
  /** Keep one channel's publishes in publish order across retries (at most one in flight each). */
  ordered: boolean;
  backoff: BackoffOptions;
  random: () => number;
};

export type PublishResult = { id: string; ch: string; seq: number };

type Entry = {
  id: string;
  ch: string;
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

  /** Queues one publish on `ch` (its frame already carries `id`); resolves on its `ok`. */
  add(id: string, ch: string, frame: string): Promise<PublishResult> {
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
        ch,
        frame,
        attempt: 0,
        state: "queued",
        timer: undefined,
        deadline: setTimeout(() => {
          this.#settle(entry);
          this.#pump();
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
      this.#pump();
    });
  }

  /** A connection is ready: send every queued publish through `send`. */
  connected(send: (frame: string) => void): void {
    this.#send = send;
    this.#pump();
  }

  /** Sends every queued publish that may go now: ordered, only the oldest of each channel. */
  #pump(): void {
    if (!this.#send) return;
    const busy = new Set<string>();
    for (const e of this.#entries.values()) {
      if (this.#opts.ordered) {
        if (busy.has(e.ch)) continue;
        busy.add(e.ch);
      }
      if (e.state === "queued") this.#transmit(e);
    }
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
    this.#pump();
    return true;
  }

  /** Retries or rejects the publish this error answers; false when it is not ours. */
  onError(frame: ErrorFrame): boolean {
    const e = frame.id === undefined ? undefined : this.#entries.get(frame.id);
    if (!e) return false;
    // `publish_outcome_unknown` among them: the same id again either stores it or finds it stored.
    const retryable =
      typeof frame.retryable === "boolean" ? frame.retryable : isRetryable(frame.code);
    if (retryable) {
      this.#retry(e);
    } else {
      this.#settle(e);
      e.reject(new HubClientError(frame.code, frame.message, { ch: e.ch }));
      this.#pump();
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
