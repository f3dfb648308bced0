import { describe, expect, it } from "vitest";
import type { ClientEvent, Recording } from "./recording.js";
import { rehoming, spreadFigure } from "./rehoming.js";

const close = (t: number): ClientEvent => ({
  t,
  type: "close",
  code: 1006,
  reason: "",
  willReconnect: true,
});
const retry = (t: number, attempt: number): ClientEvent => ({
  t,
  type: "retry",
  attempt,
  delayMs: 10,
});
const open = (t: number): ClientEvent => ({ t, type: "open", node: "hub-2" });
const sub = (t: number): ClientEvent => ({
  t,
  type: "subscribed",
  ch: "room:1",
  seq: 1,
  epoch: "e",
  recovered: true,
});

function recording(clients: Record<string, ClientEvent[]>): Recording {
  return {
    startedAt: 0,
    endedAt: 10_000,
    clients: Object.entries(clients).map(([id, events]) => ({ id, events })),
    acks: [],
    failures: [],
  };
}

describe("rehoming", () => {
  it("times each phase from the first close a displaced client saw, counting failed attempts", () => {
    const r = rehoming(
      recording({
        // Opened before the fault: not a re-homing.
        a: [open(100), sub(150), close(1000), retry(1000, 1), open(1500), sub(1600)],
        // Its first attempt failed (the dead node again): two retries, back late.
        b: [close(1100), retry(1100, 1), close(1800), retry(1800, 2), open(2500), sub(2700)],
        // Never displaced: ignored, however late it closes.
        c: [close(5000), retry(5000, 1), open(9000)],
      }),
      new Set(["a", "b"]),
      900,
    );
    expect(r.diedAt).toBe(1000);
    expect(r.closed).toBe(2);
    expect(r.reopened).toBe(2);
    expect(r.resumed).toBe(2);
    expect(r.closeSeen).toEqual({ p50: 0, p99: 100, max: 100 });
    expect(r.open).toEqual({ p50: 500, p99: 1500, max: 1500 });
    expect(r.resubscribed).toEqual({ p50: 600, p99: 1700, max: 1700 });
    expect(spreadFigure(r.attempts)).toBe("1/2/2");
  });

  it("counts a displaced client that never came back as closed but not reopened", () => {
    const r = rehoming(
      recording({ a: [close(1000), retry(1000, 1)], b: [close(1200), retry(1200, 1), open(1300)] }),
      new Set(["a", "b"]),
      0,
    );
    expect(r).toMatchObject({ closed: 2, reopened: 1, resumed: 0, open: { max: 300 } });
  });
});
