import { afterEach, describe, expect, it } from "vitest";
import { METRIC } from "../lib/slo.js";
import { type RunOptions, runScenario } from "./run.js";
import { StubHub, type StubHubOptions } from "./stub-hub.js";

const hubs: StubHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.stop();
});

async function hub(options?: StubHubOptions): Promise<StubHub> {
  const h = await StubHub.start(options);
  hubs.push(h);
  return h;
}

function opts(urls: string[], over: Partial<RunOptions>): RunOptions {
  return {
    scenario: "fanout",
    urls,
    stack: "dev",
    connections: 20,
    durationSeconds: 1,
    rate: 20,
    connectRate: 1_000,
    channel: "load:test",
    progress: false,
    ...over,
  };
}

describe("runScenario against an in-process hub", () => {
  it("fanout over two nodes passes the dev SLOs and counts every delivery", async () => {
    const a = await hub();
    const summary = await runScenario(opts([a.url, a.url], {}));
    expect(summary.thresholds.filter((t) => !t.ok)).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(summary.metrics[METRIC.published]?.count).toBe(20);
    expect(summary.metrics[METRIC.received]?.count).toBe(20 * 20);
    expect(summary.metrics[METRIC.lost]?.count).toBe(0);
    expect(summary.metrics[METRIC.delivery]?.count).toBe(400);
    expect(summary.info.last_seq).toBe(20);
  });

  it("sees skipped deliveries as lost messages and fails the loss threshold", async () => {
    const broken = await hub({ skipSeqs: new Set([3, 4, 20]) });
    const summary = await runScenario(opts([broken.url], { connections: 5, drainMs: 300 }));
    expect(summary.metrics[METRIC.lost]?.count).toBe(3 * 5);
    expect(summary.ok).toBe(false);
    expect(summary.thresholds.find((t) => t.metric === METRIC.lost)?.ok).toBe(false);
  });

  it("fails connect success when nothing listens, without hanging", async () => {
    const summary = await runScenario(
      opts(["ws://127.0.0.1:1/v1/ws"], { scenario: "connect-ramp", connections: 3 }),
    );
    expect(summary.metrics[METRIC.connectSuccess]).toEqual({ rate: 0, passes: 0, fails: 3 });
    expect(summary.ok).toBe(false);
  });

  it("reconnect-storm resumes every client with no loss and records one reconnect each", async () => {
    const a = await hub();
    const summary = await runScenario(
      opts([a.url], { scenario: "reconnect-storm", connections: 10, durationSeconds: 1.5 }),
    );
    expect(summary.metrics[METRIC.reconnect]?.count).toBe(10);
    expect(summary.metrics[METRIC.lost]?.count).toBe(0);
    expect(summary.info.storm_reconnected).toBe(10);
    expect(summary.ok).toBe(true);
  });

  it("reconnect-storm counts what a hub without replay lost during the storm", async () => {
    const amnesiac = await hub({ noReplay: true });
    const summary = await runScenario(
      opts([amnesiac.url], {
        scenario: "reconnect-storm",
        connections: 10,
        durationSeconds: 1.5,
        rate: 1_000,
        drainMs: 300,
      }),
    );
    expect(summary.metrics[METRIC.reconnect]?.count).toBe(10);
    expect(summary.metrics[METRIC.lost]?.count).toBeGreaterThan(0);
    expect(summary.ok).toBe(false);
  });

  it("refuses an SLO file without the stack before sending traffic", async () => {
    await expect(runScenario(opts(["ws://127.0.0.1:1/v1/ws"], { stack: "nope" }))).rejects.toThrow(
      /no stack "nope"/,
    );
  });
});
