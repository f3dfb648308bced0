// One hub connection inside a k6 VU: hello, subscribe, seq checking, latency from the payload
// timestamp, and (optionally) reconnect with resume. Every loop and retry is bounded.
import { setTimeout } from "k6/timers";
import { WebSocket } from "k6/websockets";
import { SeqTracker } from "../lib/seq-gaps.ts";
import { connectParams } from "./config.ts";
import {
  connectSuccess,
  deliveryLatency,
  errors,
  messagesDuplicated,
  messagesLost,
  messagesReceived,
  reconnectTime,
} from "./metrics.ts";

export interface HubClientOptions {
  url: string;
  /** Channel to subscribe to after hello; none for connect-only scenarios. */
  channel?: string;
  /** Reconnect (with resume) when the connection drops before finish(); at most this many times. */
  maxReconnects?: number;
  /** Called once the client is connected (and subscribed when a channel is set). */
  onReady?: (client: HubClient) => void;
}

// The error rate counts operations (connect, sub, pub), not deliveries: true when one failed.
type Frame = {
  op?: string;
  ch?: string;
  seq?: number;
  epoch?: string;
  data?: { t?: number };
  code?: string;
};

/** A hub connection with the metrics every scenario records. */
export class HubClient {
  readonly tracker = new SeqTracker();
  private ws: WebSocket | undefined;
  private epoch: string | undefined;
  private finished = false;
  private reconnects = 0;
  /** When the connection dropped; reconnect time is measured from here to `subscribed`. */
  private droppedAt: number | undefined;
  private readyOnce = false;

  constructor(private readonly options: HubClientOptions) {}

  /** Opens the connection. */
  connect(): void {
    let opened = false;
    const ws = new WebSocket(this.options.url, null, connectParams());
    this.ws = ws;
    ws.onopen = () => {
      opened = true;
      connectSuccess.add(true);
    };
    ws.onerror = () => {
      if (!opened) {
        connectSuccess.add(false);
        errors.add(true);
      }
    };
    ws.onmessage = (event) => {
      if (typeof event?.data === "string") this.frame(JSON.parse(event.data) as Frame);
    };
    ws.onclose = () => this.closed(ws);
  }

  /** Drops the connection now and reconnects at once (the storm), measuring the reconnect. */
  drop(): void {
    if (this.finished || !this.ws) return;
    this.droppedAt = Date.now();
    this.ws.close();
  }

  /** Publishes over this connection with an idempotency id. */
  publish(ch: string, id: string): void {
    this.ws?.send(JSON.stringify({ op: "pub", ch, id, data: { t: Date.now() } }));
  }

  /** Closes for good and records what was lost on the way. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    messagesLost.add(this.tracker.gaps);
    messagesDuplicated.add(this.tracker.duplicates);
    this.ws?.close();
  }

  private frame(frame: Frame): void {
    const ch = this.options.channel;
    switch (frame.op) {
      case "hello":
        errors.add(false);
        if (ch === undefined) this.ready();
        else {
          const last = this.tracker.last(ch);
          const resume = last !== undefined && this.epoch ? { since: last, epoch: this.epoch } : {};
          this.ws?.send(JSON.stringify({ op: "sub", ch, ...resume }));
        }
        return;
      case "subscribed":
        if (typeof frame.seq === "number" && frame.ch) this.tracker.start(frame.ch, frame.seq);
        errors.add(false);
        this.epoch = frame.epoch;
        this.ready();
        return;
      case "msg":
        if (typeof frame.seq === "number" && frame.ch) this.tracker.observe(frame.ch, frame.seq);
        if (typeof frame.data?.t === "number") deliveryLatency.add(Date.now() - frame.data.t);
        messagesReceived.add(1);
        return;
      case "ok":
        errors.add(false);
        return;
      case "error":
        errors.add(true);
        return;
      default:
        return;
    }
  }

  private ready(): void {
    if (this.droppedAt !== undefined) {
      reconnectTime.add(Date.now() - this.droppedAt);
      this.droppedAt = undefined;
    }
    if (!this.readyOnce) {
      this.readyOnce = true;
      this.options.onReady?.(this);
    }
  }

  private closed(ws: WebSocket): void {
    if (ws !== this.ws || this.finished) return;
    if (this.reconnects >= (this.options.maxReconnects ?? 0)) {
      // Dropped with no retries left: the client is gone, which the error rate must show.
      errors.add(true);
      this.finish();
      return;
    }
    this.reconnects++;
    // A drop() is the storm itself: reconnect at once. A server-side close gets full jitter over
    // 1 s, as the SDK does, so a lost node's clients do not return in lockstep.
    const delay = this.droppedAt === undefined ? Math.floor(Math.random() * 1000) : 0;
    this.droppedAt ??= Date.now();
    setTimeout(() => this.connect(), delay);
  }
}
