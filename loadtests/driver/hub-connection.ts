// One hub client of the driver over the lean socket: hello, subscribe (with resume), seq checking
// and delivery latency read from the frame bytes without JSON.parse on the hot path.
import {
  CLOSE,
  type ErrorCode,
  type MsgFrame,
  type ServerFrame,
  type SubFrame,
} from "../../service/protocol/index.js";
import { LeanWebSocket } from "../lean-websocket/index.js";
import { hasStringValue, jsonKey, scanNumber } from "../lib/json-scan.js";
import { SeqTracker } from "../lib/seq-gaps.js";
import type { Recorder } from "./recorder.js";

const OP = jsonKey("op");
const MSG = new TextEncoder().encode("msg" satisfies MsgFrame["op"]);
const SEQ = jsonKey("seq");
const T = jsonKey("t");
const decoder = new TextDecoder();

/** The ops of the server frames other than `msg` (service/protocol). */
export type ControlOp = Exclude<ServerFrame, MsgFrame>["op"];

/** A non-`msg` server frame, parsed: the fields the driver reads, named as the protocol names them. */
export type ControlFrame = {
  op: ControlOp;
  node?: string;
  ch?: string;
  seq?: number;
  epoch?: string;
  id?: string;
  code?: ErrorCode;
  recovered?: boolean;
};

export interface HubConnectionOptions {
  url: string;
  recorder: Recorder;
  /** Channel to subscribe to after hello. */
  channel?: string;
  headers?: Record<string, string>;
  /** Bound on connect + hello + subscribed, in ms. */
  timeoutMs?: number;
  /** Every non-`msg` frame (ok, error, ...), after the connection handled it. */
  onFrame?: (frame: ControlFrame) => void;
}

interface Waiter {
  op: ControlOp;
  /** undefined when the server answered with an error instead. */
  resolve: (frame: ControlFrame | undefined) => void;
}

/** A subscriber or publisher connection that records into the run's Recorder. */
export class HubConnection {
  readonly tracker = new SeqTracker();
  epoch: string | undefined;
  node: string | undefined;
  private ws: LeanWebSocket | undefined;
  private waiter: Waiter | undefined;
  private expectingClose = false;
  /** Which socket is current: a dropped socket's late close event must not count against the new one. */
  private generation = 0;

  constructor(private readonly options: HubConnectionOptions) {}

  get open(): boolean {
    return this.ws?.open ?? false;
  }

  /** Connects (and subscribes); records connect time and success; false when it failed. */
  async connect(): Promise<boolean> {
    const { recorder } = this.options;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const deadline = performance.now() + timeoutMs;
    this.expectingClose = false;
    const generation = ++this.generation;
    const hello = this.next("hello", timeoutMs);
    try {
      this.ws = await LeanWebSocket.connect(this.options.url, {
        headers: this.options.headers ?? {},
        timeoutMs,
        onMessage: (payload) => this.receive(payload),
        onClose: (code) => {
          if (generation === this.generation) this.closed(code);
        },
      });
    } catch {
      this.waiter = undefined;
      recorder.connectSuccess.add(false);
      recorder.fail("connect_failed");
      return false;
    }
    recorder.connectTime.record(this.ws.connectMs);
    const helloFrame = await hello;
    if (!helloFrame) return this.failed();
    this.node = helloFrame.node;
    const ch = this.options.channel;
    if (ch !== undefined) {
      const last = this.tracker.last(ch);
      const resume = last !== undefined && this.epoch ? { since: last, epoch: this.epoch } : {};
      const subscribed = this.next("subscribed", Math.max(1, deadline - performance.now()));
      const sub: SubFrame = { op: "sub", ch, ...resume };
      this.ws.send(JSON.stringify(sub));
      const frame = await subscribed;
      if (!frame) return this.failed();
      this.epoch = frame.epoch;
    }
    recorder.connectSuccess.add(true);
    recorder.errors.add(false);
    return true;
  }

  /** Sends one text frame; false when the connection is not open. */
  send(text: string): boolean {
    return this.ws?.send(text) ?? false;
  }

  /** Drops the TCP connection at once, as a crashed client or a lost node would. */
  drop(): void {
    this.expectingClose = true;
    this.ws?.destroy();
  }

  /** Closes normally and waits (bounded) until the connection is gone. */
  async close(): Promise<void> {
    this.expectingClose = true;
    if (!this.ws) return;
    this.ws.close(CLOSE.normal.code);
    await this.ws.closed(2_000);
  }

  private failed(): false {
    this.options.recorder.connectSuccess.add(false);
    this.options.recorder.fail("handshake_failed");
    this.drop();
    return false;
  }

  /** Resolves with the next frame of `op`, or undefined after `ms`. */
  private next(op: ControlOp, ms: number): Promise<ControlFrame | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, ms);
      this.waiter = {
        op,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
    });
  }

  private receive(payload: Uint8Array): void {
    const { recorder } = this.options;
    if (hasStringValue(payload, OP, MSG)) {
      const seq = scanNumber(payload, SEQ);
      const t = scanNumber(payload, T);
      if (seq !== undefined && this.options.channel !== undefined) {
        this.tracker.observe(this.options.channel, seq);
      }
      // Date.now(), as the publisher stamps it (lib/payload.ts): the clock k6 has too.
      if (t !== undefined) recorder.delivered(Date.now() - t);
      recorder.received++;
      return;
    }
    let frame: ControlFrame;
    try {
      frame = JSON.parse(decoder.decode(payload)) as ControlFrame;
    } catch {
      recorder.fail("bad_frame");
      return;
    }
    if (frame.op === "subscribed" && frame.ch !== undefined && typeof frame.seq === "number") {
      this.tracker.start(frame.ch, frame.seq);
    }
    if (frame.op === "error") recorder.fail(`error_${frame.code ?? "unknown"}`);
    const refused = frame.op === "error" && frame.id === undefined;
    if (this.waiter && (this.waiter.op === frame.op || refused)) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve(refused ? undefined : frame);
    }
    this.options.onFrame?.(frame);
  }

  private closed(code: number): void {
    if (!this.expectingClose) this.options.recorder.unexpectedClose(code);
  }
}
