import { describe, expect, it } from "vitest";
import type { MsgFrame } from "../protocol/index.js";
import { ChannelState, MAX_BUFFERED_PER_CHANNEL } from "./channel-state.js";

const msg = (seq: number): MsgFrame => ({ op: "msg", ch: "room:1", seq, data: seq });
const seqs = (frames: MsgFrame[]) => frames.map((f) => f.seq);

function subscribedAt(seq: number, epoch = "e1"): ChannelState {
  const s = new ChannelState("room:1");
  s.onSubscribed({ op: "subscribed", ch: "room:1", seq, epoch, recovered: true });
  return s;
}

describe("ChannelState", () => {
  it("sends a plain sub before the first subscribed, since+epoch after it", () => {
    const s = new ChannelState("room:1");
    expect(s.subFrame()).toEqual({ op: "sub", ch: "room:1" });
    s.onSubscribed({ op: "subscribed", ch: "room:1", seq: 4, epoch: "e1" });
    s.onMessage(msg(5));
    expect(s.subFrame()).toEqual({ op: "sub", ch: "room:1", since: 5, epoch: "e1" });
  });

  it("delivers in order and drops and counts duplicates", () => {
    const s = subscribedAt(2);
    const out = [3, 3, 2, 4].map((n) => s.onMessage(msg(n)));
    expect(out.flatMap((o) => seqs(o.deliver))).toEqual([3, 4]);
    expect(out.reduce((n, o) => n + o.duplicates, 0)).toBe(2);
    expect(s.last).toBe(4);
  });

  it("reports a skipped seq as a broken connection and does not deliver past it", () => {
    const s = subscribedAt(2);
    const out = s.onMessage(msg(5));
    expect(out.deliver).toEqual([]);
    expect(out.broken).toEqual({ last: 2, got: 5 });
    expect(s.last).toBe(2);
  });

  it("holds a replay that precedes subscribed and releases it in order after", () => {
    const s = subscribedAt(2);
    s.reset();
    expect(s.onMessage(msg(3)).deliver).toEqual([]);
    expect(s.onMessage(msg(4)).deliver).toEqual([]);
    const out = s.onSubscribed({
      op: "subscribed",
      ch: "room:1",
      seq: 4,
      epoch: "e1",
      recovered: true,
    });
    expect(out.gap).toBe(false);
    expect(seqs(out.deliver)).toEqual([3, 4]);
  });

  it("turns recovered:false on a resume into a gap and restarts at the new head", () => {
    const s = subscribedAt(2);
    s.reset();
    const out = s.onSubscribed({
      op: "subscribed",
      ch: "room:1",
      seq: 9,
      epoch: "e1",
      recovered: false,
    });
    expect(out).toMatchObject({ gap: true, recovered: false });
    expect(s.last).toBe(9);
    expect(seqs(s.onMessage(msg(10)).deliver)).toEqual([10]);
  });

  it("treats a new epoch as unrecoverable even when the hub says recovered", () => {
    const s = subscribedAt(2);
    s.reset();
    const out = s.onSubscribed({
      op: "subscribed",
      ch: "room:1",
      seq: 1,
      epoch: "e2",
      recovered: true,
    });
    expect(out.gap).toBe(true);
    expect(s.subFrame()).toEqual({ op: "sub", ch: "room:1", since: 1, epoch: "e2" });
  });

  it("bounds what it holds before subscribed", () => {
    const s = subscribedAt(0);
    s.reset();
    for (let i = 1; i <= MAX_BUFFERED_PER_CHANNEL; i++)
      expect(s.onMessage(msg(i)).broken).toBeUndefined();
    expect(s.onMessage(msg(MAX_BUFFERED_PER_CHANNEL + 1)).broken).toBeDefined();
  });
});
