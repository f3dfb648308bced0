// One hub connection inside a k6 VU: hello, subscribe with resume, live loss and latency, and
// reconnects with full-jitter exponential backoff rotating over HUB_URLS, honouring the close
// codes of the protocol (lib/close-policy.ts). Every retry is bounded in count and time.
import { setTimeout } from "k6/timers";
import { WebSocket } from "k6/websockets";
import { backoffDelay, closeAction, retryAfterDelay } from "../lib/close-policy.ts";
import { type LoadFrame, subText } from "../lib/hub-frames.ts";
import { SeqTracker } from "../lib/seq-gaps.ts";
import { connectParams, settings } from "./config.ts";
import {
  connectSuccess,
  deliveryLatency,
  errors,
  messagesDuplicated,
  messagesLost,
  messagesReceived,
  reconnects,
  reconnectTime,
} from "./metrics.ts";

/** Failed attempts in a row after which a client gives up (each one already counted). */
const MAX_ATTEMPTS = 30;

/** A server frame as the load clients read it (held to service/protocol by lib/hub-frames.test.ts). */
export type Frame = LoadFrame;

export interface K6HubConnectionOptions {
  /** Index into HUB_URLS of the first attempt; later attempts rotate from there. */
  start: number;
  /** Channel to subscribe to after hello; none for connect-only clients and the publisher. */
  channel?: string;
  /** Every connection (and every reconnection) that is ready: hello, and subscribed if any. */
  onReady?: (client: K6HubConnection) => void;
  /** Every frame that is not a `msg` (ok and error frames for the publisher). */
  onFrame?: (frame: Frame) => void;
}

/** A hub connection with the metrics every scenario records. */
export class K6HubConnection {
  readonly tracker = new SeqTracker();
  private ws: WebSocket | undefined;
  private epoch: string | undefined;
  private finished = false;
  private attempts = 0;
  /** When the connection was lost; reconnect time runs from here to ready. */
  private lostAt: number | undefined;
  private ready = false;
  private countedGaps = 0;
  private countedDuplicates = 0;

  constructor(private readonly options: K6HubConnectionOptions) {}

  /** Whether the connection is open and ready (subscribed when a channel is set). */
  get open(): boolean {
    return this.ready && this.ws?.readyState === 1;
  }

  /** Opens the connection (the URL rotates with every attempt). */
  connect(): void {
    if (this.finished) return;
    const urls = settings.hubUrls;
    const url = urls[(this.options.start + this.attempts) % urls.length] as string;
    const ws = new WebSocket(url, null, connectParams());
    this.ws = ws;
    this.ready = false;
    let opened = false;
    let failed = false;
    // k6 may fire error and close for one failed connect: it is one failed operation.
    const failOnce = () => {
      if (opened || failed) return;
      failed = true;
      connectSuccess.add(false);
      errors.add(true, { code: "connect_failed" });
    };
    ws.onopen = () => {
      opened = true;
    };
    ws.onerror = () => failOnce();
    ws.onmessage = (event) => {
      if (ws === this.ws && typeof event?.data === "string") {
        this.frame(JSON.parse(event.data) as Frame);
      }
    };
    // The close event carries code and reason in k6/websockets (typed without them).
    ws.onclose = ((event?: { code?: number; reason?: string }) => {
      failOnce();
      if (ws !== this.ws) return;
      this.closed(opened, event?.code ?? 1006, event?.reason ?? "");
    }) as () => void;
  }

  /** Sends a text frame; false when the connection is not ready (the caller keeps it). */
  send(text: string): boolean {
    if (!this.open || !this.ws) return false;
    this.ws.send(text);
    return true;
  }

  /** Drops the connection now and reconnects with resume after `awayMs` (the storm). */
  drop(awayMs = 0): void {
    if (this.finished || !this.ws) return;
    this.lostAt = Date.now();
    const ws = this.ws;
    this.ws = undefined;
    ws.close();
    this.attempts = 0;
    if (awayMs > 0) setTimeout(() => this.connect(), awayMs);
    else this.connect();
  }

  /** Closes for good. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.ws?.close();
  }

  /** The last in-order seq of the channel, or undefined before the first subscribe. */
  lastSeq(): number | undefined {
    return this.options.channel === undefined ? undefined : this.tracker.last(this.options.channel);
  }

  /** The channel's epoch from the last `subscribed`. */
  get channelEpoch(): string | undefined {
    return this.epoch;
  }

  private frame(frame: Frame): void {
    const ch = this.options.channel;
    switch (frame.op) {
      case "msg":
        this.message(frame);
        return;
      case "hello":
        if (ch === undefined) this.becameReady();
        else {
          const last = this.tracker.last(ch);
          const resume =
            last !== undefined && this.epoch ? { since: last, epoch: this.epoch } : undefined;
          this.ws?.send(subText(ch, resume));
        }
        break;
      case "subscribed":
        if (typeof frame.seq === "number" && frame.ch) this.tracker.start(frame.ch, frame.seq);
        this.epoch = frame.epoch;
        this.becameReady();
        break;
      case "error":
        // An error answering a publish is the publisher's to count (it may retry).
        if (frame.id === undefined) errors.add(true, { code: `error_${frame.code ?? "unknown"}` });
        break;
    }
    this.options.onFrame?.(frame);
  }

  private message(frame: Frame): void {
    const ch = this.options.channel;
    if (ch === undefined || typeof frame.seq !== "number") return;
    const before = this.tracker.received;
    this.tracker.observe(ch, frame.seq);
    if (this.tracker.received > before) messagesReceived.add(1);
    // Loss and duplicates are added as they are seen, so abortOnFail can stop a losing run.
    if (this.tracker.gaps > this.countedGaps) {
      messagesLost.add(this.tracker.gaps - this.countedGaps);
      this.countedGaps = this.tracker.gaps;
    }
    if (this.tracker.duplicates > this.countedDuplicates) {
      messagesDuplicated.add(this.tracker.duplicates - this.countedDuplicates);
      this.countedDuplicates = this.tracker.duplicates;
    }
    if (typeof frame.data?.t === "number") deliveryLatency.add(Date.now() - frame.data.t);
  }

  private becameReady(): void {
    this.ready = true;
    this.attempts = 0;
    connectSuccess.add(true);
    errors.add(false);
    if (this.lostAt !== undefined) {
      reconnectTime.add(Date.now() - this.lostAt);
      reconnects.add(1);
      this.lostAt = undefined;
    }
    this.options.onReady?.(this);
  }

  private closed(opened: boolean, code: number, reason: string): void {
    this.ws = undefined;
    this.ready = false;
    if (this.finished) return;
    // A connection the hub (or the network) ended while we still wanted it: one failed operation.
    if (opened) errors.add(true, { code: `close_${code}` });
    this.lostAt ??= Date.now();
    const action = closeAction(code, reason);
    if (!action.reconnect || this.attempts >= MAX_ATTEMPTS) {
      this.finished = true;
      return;
    }
    const delay =
      action.retryAfterMs !== undefined
        ? retryAfterDelay(action.retryAfterMs)
        : backoffDelay(this.attempts);
    this.attempts++;
    setTimeout(() => this.connect(), delay);
  }
}
