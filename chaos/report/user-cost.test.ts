import { describe, expect, it } from "vitest";
import type { Recording } from "../recording.js";
import { costLine, userCost } from "./user-cost.js";

const T0 = 1_000_000;

function base(): Recording {
  return { startedAt: T0, endedAt: T0 + 10_000, clients: [], acks: [], failures: [] };
}

const ack = (client: string, sentAt: number, okAt = sentAt + 5) => ({
  id: `${client}-${sentAt}`,
  ch: "a",
  seq: 1,
  sentAt,
  okAt,
  client,
});
const refusal = (client: string, sentAt: number) => ({
  id: `${client}-${sentAt}`,
  ch: "a",
  code: "unavailable",
  sentAt,
  at: sentAt + 5,
  client,
});

describe("userCost", () => {
  it("takes the longest delivery delay and disconnection of well-behaved clients only", () => {
    const r = base();
    r.clients = [
      {
        id: "c1",
        events: [
          { t: T0 + 100, type: "open", node: "n1" },
          { t: T0 + 200, type: "msg", ch: "a", seq: 1, latencyMs: 40 },
          { t: T0 + 1000, type: "close", code: 1006, reason: "", willReconnect: true },
          { t: T0 + 2500, type: "open", node: "n2" },
          { t: T0 + 2600, type: "msg", ch: "a", seq: 2, latencyMs: 1900 },
        ],
      },
      {
        id: "bad",
        misbehaving: true,
        events: [{ t: T0 + 200, type: "msg", ch: "a", seq: 1, latencyMs: 99_000 }],
      },
      // Still gone at the end: counts to the end of the run.
      {
        id: "c2",
        events: [{ t: T0 + 7000, type: "close", code: 1006, reason: "", willReconnect: true }],
      },
    ];
    expect(userCost(r)).toEqual({
      longestDeliveryDelayMs: 1900,
      publishesRefusedMs: 0,
      longestDisconnectMs: 3000,
    });
  });

  it("measures refusals per publisher up to its next acknowledged publish, and retried publishes", () => {
    const r = base();
    r.acks = [ack("p1", T0), ack("p1", T0 + 3000), ack("p2", T0 + 500), ack("p3", T0, T0 + 1200)];
    // p1 refused from 1000 to its next ack at 3000; p2's ack at 500 does not end p1's refusal.
    r.failures = [refusal("p1", T0 + 1000), refusal("p1", T0 + 2000), refusal("p2", T0 + 4000)];
    expect(userCost(r).publishesRefusedMs).toBe(2000);
    // A publish the SDK retried for 1.2 s counts too.
    r.failures = [];
    expect(userCost(r).publishesRefusedMs).toBe(1200);
  });

  it("prints one line for the summary", () => {
    expect(
      costLine({ longestDeliveryDelayMs: 1234, publishesRefusedMs: 0, longestDisconnectMs: 800 }),
    ).toBe("delay 1.2 s · refused 0.0 s · disconnected 0.8 s");
  });
});
