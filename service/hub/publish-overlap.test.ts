// One connection's publishes are at the bus together, yet every reply leaves in the order of the
// frames that caused it, whatever order the bus answers in.
import { afterEach, describe, expect, it } from "vitest";
import type { BrokerPublishResult, PublishInput } from "../bus/index.js";
import { UnavailableError } from "../errors.js";
import { MAX_IN_FLIGHT } from "./op-queue.js";
import {
  releaseAll,
  SwitchableBroker,
  startHub,
  TestClient,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

afterEach(releaseAll);

type Held = { ch: string; release: (fail?: Error) => void };

/** Stores each publish at once (seq in call order), then answers only when the test says so. */
class HeldBroker extends SwitchableBroker {
  readonly held: Held[] = [];
  /** Publishes called and not yet answered, at most. */
  maxOutstanding = 0;
  outstanding = 0;

  override async publish(input: PublishInput): Promise<BrokerPublishResult> {
    const stored = super.publish(input);
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    try {
      await new Promise<void>((resolve, reject) => {
        this.held.push({ ch: input.ch, release: (fail) => (fail ? reject(fail) : resolve()) });
      });
    } finally {
      this.outstanding--;
    }
    return stored;
  }
}

const okOrError = (f: { op: string }) => f.op === "ok" || f.op === "error";

describe("publishes of one connection in flight together", () => {
  it("answers in the order sent when the bus answers in reverse, a failure in its own place", async () => {
    const broker = new HeldBroker();
    const node = await startHub({}, { broker });
    const c = await TestClient.connect(wsUrl(node));
    for (let i = 0; i < 10; i++) c.send({ op: "pub", ch: "room:1", data: i, id: `p${i}` });
    await waitFor("ten publishes at the bus at once", () => broker.held.length === 10);
    for (let i = 9; i >= 0; i--)
      broker.held[i]?.release(i === 4 ? new UnavailableError("bus lost: retry later") : undefined);
    await waitFor("ten replies", () => c.frames.filter(okOrError).length === 10);
    const replies = c.frames.filter(okOrError).map((f) => `${f.op}:${f.id}:${f.seq ?? f.code}`);
    expect(replies).toEqual([
      "ok:p0:1",
      "ok:p1:2",
      "ok:p2:3",
      "ok:p3:4",
      "error:p4:unavailable",
      "ok:p5:6",
      "ok:p6:7",
      "ok:p7:8",
      "ok:p8:9",
      "ok:p9:10",
    ]);
  });

  it("holds the frames after MAX_IN_FLIGHT publishes until the first of them is answered", async () => {
    const broker = new HeldBroker();
    const node = await startHub({ MAX_PUBLISH_RATE: "1000" }, { broker });
    const c = await TestClient.connect(wsUrl(node));
    const total = MAX_IN_FLIGHT + 8;
    for (let i = 0; i < total; i++) c.send({ op: "pub", ch: "room:2", data: i, id: `p${i}` });
    // A sub behind them: answered only once every publish before it was.
    c.send({ op: "sub", ch: "room:2", id: "s" });
    await waitFor("a full window at the bus", () => broker.held.length === MAX_IN_FLIGHT);
    broker.held[0]?.release();
    await waitFor("the next one sent", () => broker.held.length === MAX_IN_FLIGHT + 1);
    for (let k = 1; k < total; k++) {
      await waitFor(`publish ${k} at the bus`, () => broker.held.length > k);
      broker.held[k]?.release();
    }
    await c.next((f) => f.op === "subscribed", "subscribed");
    expect(broker.maxOutstanding).toBe(MAX_IN_FLIGHT);
    const ids = c.frames.filter((f) => f.id !== undefined).map((f) => f.id);
    expect(ids).toEqual([...[...Array(total).keys()].map((i) => `p${i}`), "s"]);
  });

  it("lets a closed connection go with publishes in flight, and sends none of its waiting ones", async () => {
    const broker = new HeldBroker();
    const node = await startHub({ MAX_PUBLISH_RATE: "1000" }, { broker });
    const c = await TestClient.connect(wsUrl(node));
    const total = MAX_IN_FLIGHT + 5;
    for (let i = 0; i < total; i++) c.send({ op: "pub", ch: "room:3", data: i, id: `p${i}` });
    await waitFor("a full window at the bus", () => broker.held.length === MAX_IN_FLIGHT);
    c.ws.terminate();
    await waitFor("the node to forget it", () => node.stats().connections === 0);
    for (const h of broker.held) h.release();
    await waitFor("every publish answered", () => broker.outstanding === 0);
    // Let the answers' callbacks run: a queue still alive would send the next ones now.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(broker.held.length).toBe(MAX_IN_FLIGHT);
    expect((await broker.history("room:3")).seq).toBe(MAX_IN_FLIGHT);
  });
});
