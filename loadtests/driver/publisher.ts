// The publishing side of fanout, soak and reconnect-storm: `pub` frames with ids at a fixed rate,
// each acknowledged by `ok` (its seq is what subscribers must reach).

import { pubText } from "../lib/hub-frames.js";
import { payloadJson } from "../lib/payload.js";
import { type ControlFrame, HubConnection } from "./hub-connection.js";
import { paced, pollUntil } from "./pace.js";
import type { Recorder } from "./recorder.js";

/** One publisher connection and its acknowledgement bookkeeping. */
export class Publisher {
  /** Highest acknowledged seq: every subscriber must reach it. */
  lastSeq = 0;
  private readonly pending = new Set<string>();
  private readonly conn: HubConnection;

  constructor(
    url: string,
    private readonly recorder: Recorder,
    headers: Record<string, string> = {},
  ) {
    this.conn = new HubConnection({ url, recorder, headers, onFrame: (f) => this.frame(f) });
  }

  /** Connects; false when the publisher could not connect (the run then has nothing to measure). */
  connect(): Promise<boolean> {
    return this.conn.connect();
  }

  /** Publishes `rate` messages/s on `channel` for `durationMs`; returns how many were sent. */
  publishFor(
    channel: string,
    rate: number,
    durationMs: number,
    signal?: AbortSignal,
  ): Promise<number> {
    const prefix = `p${Date.now().toString(36)}-`;
    return paced(
      rate,
      durationMs,
      (i) => {
        const id = `${prefix}${i}`;
        if (!this.conn.send(pubText(channel, id, payloadJson()))) {
          this.recorder.fail("publish_not_sent");
          return;
        }
        this.pending.add(id);
      },
      signal,
    );
  }

  /** Waits (bounded) for outstanding acknowledgements; each one still missing counts as an error. */
  async settle(ms: number): Promise<void> {
    await pollUntil(() => this.pending.size === 0, ms);
    for (const _ of this.pending) this.recorder.fail("publish_unacknowledged");
    this.pending.clear();
  }

  close(): Promise<void> {
    return this.conn.close();
  }

  private frame(frame: ControlFrame): void {
    if (frame.id === undefined || !this.pending.delete(frame.id)) return;
    if (frame.op === "ok") {
      this.recorder.published++;
      this.recorder.errors.add(false);
      if (typeof frame.seq === "number" && frame.seq > this.lastSeq) this.lastSeq = frame.seq;
    }
    // An error frame with our id was already counted by the connection.
  }
}
