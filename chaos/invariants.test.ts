import { describe, expect, it } from "vitest";
import {
  noAcknowledgedLoss,
  noLeaks,
  orderedWithoutDuplicates,
  reconnectedWithin,
  resumesRecovered,
  storedInPublishOrder,
} from "./invariants.js";
import type { Ack, ClientEvent, Recording } from "./recording.js";

const open = (t: number): ClientEvent => ({ t, type: "open", node: "n1" });
const close = (t: number): ClientEvent => ({
  t,
  type: "close",
  code: 1006,
  reason: "",
  willReconnect: true,
});
const sub = (t: number, seq: number, recovered = false, epoch = "e1"): ClientEvent => ({
  t,
  type: "subscribed",
  ch: "room",
  seq,
  epoch,
  recovered,
});
const msg = (t: number, seq: number): ClientEvent => ({
  t,
  type: "msg",
  ch: "room",
  seq,
  id: `p-${seq}`,
});
const ack = (seq: number): Ack => ({
  id: `p-${seq}`,
  ch: "room",
  seq,
  sentAt: 0,
  okAt: 0,
  client: "pub",
});

function recording(events: ClientEvent[], acks: Ack[] = [], misbehaving = false): Recording {
  return {
    startedAt: 0,
    endedAt: 100,
    clients: [{ id: "c1", events, misbehaving }],
    acks,
    failures: [],
  };
}

describe("noAcknowledgedLoss", () => {
  it("passes when every acknowledged message after the subscribe arrived", () => {
    const r = recording([open(0), sub(1, 2), msg(2, 3), msg(3, 4)], [ack(2), ack(3), ack(4)]);
    expect(noAcknowledgedLoss(r)).toMatchObject({ pass: true, figures: { missing: 0 } });
  });

  it("fails when a subscriber that resumed with recovered:true missed an acknowledged message", () => {
    const events = [open(0), sub(1, 0), msg(2, 1), close(3), open(4), sub(5, 3, true), msg(6, 3)];
    const result = noAcknowledgedLoss(recording(events, [ack(1), ack(2), ack(3)]));
    expect(result.pass).toBe(false);
    expect(result.violations).toEqual(["c1 missed room seq 2 (id p-2)"]);
  });

  it("takes the first subscribe as the start even when the SDK marks it recovered", () => {
    const r = recording([open(0), sub(1, 2, true), msg(2, 3)], [ack(2), ack(3), ack(4)]);
    expect(noAcknowledgedLoss(r).violations).toEqual(["c1 missed room seq 4 (id p-4)"]);
  });

  it("excuses messages before a recovered:false resubscribe, not after it", () => {
    const events = [open(0), sub(1, 0), close(3), open(4), sub(5, 2, false), msg(6, 3)];
    expect(noAcknowledgedLoss(recording(events, [ack(1), ack(2), ack(3)])).pass).toBe(true);
    const after = noAcknowledgedLoss(recording(events, [ack(1), ack(2), ack(3), ack(4)]));
    expect(after.violations).toEqual(["c1 missed room seq 4 (id p-4)"]);
  });

  it("expects a message published after the subscribe even when its ok carries a wrong seq", () => {
    const bogus: Ack = { ...ack(7), seq: 0, sentAt: 50, okAt: 51 };
    const result = noAcknowledgedLoss(recording([open(0), sub(1, 3), msg(60, 4)], [bogus]));
    expect(result.violations).toEqual(["c1 missed room seq 0 (id p-7)"]);
  });

  it("ignores clients marked misbehaving and clients not connected at the end", () => {
    const events = [open(0), sub(1, 0)];
    expect(noAcknowledgedLoss(recording(events, [ack(1)], true)).pass).toBe(true);
    expect(noAcknowledgedLoss(recording([...events, close(5)], [ack(1)])).pass).toBe(true);
  });
});

describe("orderedWithoutDuplicates", () => {
  it("passes a contiguous stream across a recovered resume", () => {
    const events = [sub(0, 0), msg(1, 1), close(2), open(3), sub(4, 3, true), msg(5, 2), msg(6, 3)];
    expect(orderedWithoutDuplicates(recording(events)).pass).toBe(true);
  });

  it("flags a duplicate, a reorder and a silent gap", () => {
    const events = [sub(0, 0), msg(1, 1), msg(2, 1), msg(3, 3), msg(4, 2)];
    const result = orderedWithoutDuplicates(recording(events));
    expect(result.figures).toEqual({ duplicates: 1, reordered: 1, gaps: 1 });
  });

  it("allows one gap after a recovered:false subscribe and a restart on a new epoch", () => {
    const lost = [sub(0, 0), msg(1, 1), sub(2, 5, false), msg(3, 6)];
    expect(orderedWithoutDuplicates(recording(lost)).pass).toBe(true);
    const reset = [sub(0, 0), msg(1, 1), msg(2, 2), sub(3, 0, false, "e2"), msg(4, 1)];
    expect(orderedWithoutDuplicates(recording(reset)).pass).toBe(true);
  });
});

describe("storedInPublishOrder", () => {
  const made = (order: number, seq: number, client = "pub", ch = "room"): Ack => ({
    ...ack(seq),
    id: `${client}-${order}`,
    ch,
    client,
    order,
  });

  it("passes publishes stored in call order, whatever order their oks came back in", () => {
    const acks = [made(2, 11), made(0, 5), made(1, 9), made(0, 1, "other"), made(3, 2, "pub", "b")];
    expect(storedInPublishOrder(recording([], acks))).toMatchObject({
      pass: true,
      figures: { publishers: 3, reordered: 0 },
    });
  });

  it("flags a later publish stored before an earlier one of the same publisher and channel", () => {
    const result = storedInPublishOrder(recording([], [made(0, 7), made(1, 6), made(2, 8)]));
    expect(result).toMatchObject({ pass: false, figures: { reordered: 1 } });
    expect(result.violations[0]).toContain(
      "pub-1 stored at seq 6, before its earlier pub-0 at seq 7",
    );
  });
});

describe("reconnectedWithin", () => {
  it("measures each reconnect against the bound", () => {
    const ok = reconnectedWithin(recording([open(0), close(10), open(500)]), 1000);
    expect(ok).toMatchObject({ pass: true, figures: { reconnects: 1, maxMs: 490 } });
    const slow = reconnectedWithin(recording([open(0), close(10), open(2000)]), 1000);
    expect(slow.violations).toEqual(["c1 took 1990 ms to reconnect"]);
  });

  it("fails a client still disconnected at the end", () => {
    const result = reconnectedWithin(recording([open(0), close(10)]), 1000);
    expect(result.violations).toEqual(["c1 is not connected at the end"]);
  });
});

describe("resumesRecovered", () => {
  it("fails a resume that did not recover and a gap event", () => {
    const events: ClientEvent[] = [sub(0, 0), sub(5, 3, false), { t: 6, type: "gap", ch: "room" }];
    const result = resumesRecovered(recording(events));
    expect(result.pass).toBe(false);
    expect(result.violations).toHaveLength(2);
    expect(resumesRecovered(recording([sub(0, 0), sub(5, 3, true)])).pass).toBe(true);
  });
});

describe("noLeaks", () => {
  it("names what was left behind", () => {
    const clean = { containers: 0, networks: 0, clientSockets: 0, hubConnections: 0 };
    expect(noLeaks(clean).pass).toBe(true);
    expect(noLeaks({ ...clean, containers: 2 }).violations).toEqual([
      "2 containers left after teardown",
    ]);
  });
});
