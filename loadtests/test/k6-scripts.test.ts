import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../harness/free-port.js";
import { ensureHubBuilt, type HubProcess, startHubProcess } from "../harness/hub-process.js";
import { type RunningRedis, startRedis } from "../harness/redis.js";
import { runK6 } from "../k6-runtime/index.js";

// The k6 scripts, unchanged, under the k6-compatible runtime against real hub processes on one
// Redis: small crowds and seconds of traffic, each test a verdict k6 must reach.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
const K6 = new URL("../k6/", import.meta.url).pathname;
const reports = mkdtempSync(join(tmpdir(), "wshub-k6-"));
let redis: RunningRedis;
const hubs: HubProcess[] = [];

async function hub(nodeId: string, env: Record<string, string> = {}): Promise<HubProcess> {
  const node = await startHubProcess({ nodeId, redisUrl: redis.url, env });
  hubs.push(node);
  return node;
}

function run(script: string, env: Record<string, string>) {
  const lines: string[] = [];
  return runK6({
    script: join(K6, script),
    env: { REPORT_DIR: reports, CONNECT_RATE: "50", ...env },
    log: (line) => lines.push(line),
    stdout: (text) => lines.push(text),
  }).then((result) => ({ ...result, output: lines.join("\n") }));
}

beforeAll(async () => {
  ensureHubBuilt();
  redis = await startRedis();
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(hubs.map((h) => h.stop()));
  await redis?.stop();
  rmSync(reports, { recursive: true, force: true });
});

describe("k6 scripts under the k6-compatible runtime", () => {
  it("delivers on a rerun inside the dedupe window (ids are unique per run)", async () => {
    const a = await hub("k6-a");
    const b = await hub("k6-b");
    const env = {
      HUB_URLS: `${a.wsUrl},${b.wsUrl}`,
      VUS: "4",
      RATE: "10",
      DURATION: "2",
      CHANNEL: "k6:rerun",
    };
    const first = await run("fanout.ts", env);
    expect(first.exitCode, first.output).toBe(0);
    const second = await run("fanout.ts", env);
    expect(second.metrics.messages_received?.count, second.output).toBe(4 * 20);
    expect(second.metrics.messages_lost?.count).toBe(0);
    expect(second.exitCode, second.output).toBe(0);
    // The report folder existed (REPORT_DIR), and handleSummary wrote into it.
    const summary = JSON.parse(readFileSync(join(reports, "wshub-fanout.json"), "utf8"));
    expect(summary.ok).toBe(true);
  }, 120_000);

  it("fails a run whose HUB_URLS holds a dead URL", async () => {
    const a = await hub("k6-c");
    const dead = `ws://127.0.0.1:${await freePort()}/v1/ws`;
    const result = await run("fanout.ts", {
      HUB_URLS: `${a.wsUrl},${dead}`,
      VUS: "4",
      RATE: "10",
      DURATION: "2",
      CHANNEL: "k6:dead",
    });
    expect(result.metrics.connect_success?.rate).toBeLessThan(0.99);
    expect(result.exitCode, result.output).toBe(99);
  }, 120_000);

  it("leaves a node killed mid-storm for the live URL and loses nothing", async () => {
    const doomed = await hub("k6-doomed");
    const live = await hub("k6-live");
    const running = run("reconnect-storm.ts", {
      HUB_URLS: `${doomed.wsUrl},${live.wsUrl}`,
      VUS: "6",
      RATE: "20",
      DURATION: "6",
      STORM_AT: "0",
      CHANNEL: "k6:kill",
    });
    // Publishing starts 3 s in (ramp + settle); the node dies 2 s into it.
    setTimeout(() => doomed.process.child.kill("SIGKILL"), 5_000);
    const result = await running;
    // Half the clients and the publisher (first URL) were on the dead node: each came back once,
    // on the live one.
    expect(result.metrics.reconnects?.count, result.output).toBe(3 + 1);
    expect(result.metrics.messages_lost?.count, result.output).toBe(0);
    expect(result.metrics.messages_received?.count).toBe(6 * 120);
  }, 120_000);

  it("counts the loss of a history too short to resume and stops the run early", async () => {
    const a = await hub("k6-short-a", { HISTORY_SIZE: "1" });
    const b = await hub("k6-short-b", { HISTORY_SIZE: "1" });
    const started = Date.now();
    const result = await run("reconnect-storm.ts", {
      HUB_URLS: `${a.wsUrl},${b.wsUrl}`,
      VUS: "4",
      RATE: "50",
      DURATION: "20",
      STORM_AT: "2",
      // Away 500 ms at 50/s: about 25 messages pass while the history keeps 1.
      STORM_AWAY_MS: "500",
      CHANNEL: "k6:short",
    });
    expect(result.metrics.messages_lost?.count, result.output).toBeGreaterThan(0);
    expect(result.abortedBy, result.output).toMatch(/messages_lost/);
    expect(result.exitCode).toBe(99);
    // Aborted within seconds of the storm, not after the 20 s of publishing.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 120_000);
});
