// Runs one scenario and turns what it measured into the shared summary (thresholds evaluated
// against the SLO file exactly as k6 would).
import { readFileSync } from "node:fs";
import { evaluateThresholds, type ScenarioName, sloForStack, sloThresholds } from "../lib/slo.js";
import type { LoadSummary } from "../lib/summary.js";
import { startProgress } from "./progress.js";
import { Recorder } from "./recorder.js";
import type { ScenarioContext } from "./scenario-options.js";
import { connectRamp } from "./scenarios/connect-ramp.js";
import { fanout } from "./scenarios/fanout.js";
import { reconnectStorm } from "./scenarios/reconnect-storm.js";

/** The one SLO file: contract/slo.json. */
export const DEFAULT_SLO_FILE = new URL("../../contract/slo.json", import.meta.url);

export interface RunOptions {
  scenario: ScenarioName;
  urls: string[];
  /** Internal /metrics URLs of the nodes (soak). */
  metricsUrls?: string[];
  stack: string;
  slo?: string | URL | undefined;
  connections: number;
  durationSeconds: number;
  rate: number;
  connectRate: number;
  channel: string;
  token?: string | undefined;
  /** Bound on the wait for the last deliveries after publishing stops (default 5 s). */
  drainMs?: number;
  progress?: boolean;
  signal?: AbortSignal;
  /** Where to record; pass one to read its per-second timeline after the run. */
  recorder?: Recorder;
}

const SCENARIO_RUNS: Record<ScenarioName, (ctx: ScenarioContext) => Promise<void>> = {
  "connect-ramp": connectRamp,
  fanout: (ctx) => fanout(ctx),
  soak: (ctx) => fanout(ctx, true),
  "reconnect-storm": reconnectStorm,
};

/** Runs the scenario and returns its summary; throws SloError before any traffic on a bad SLO file. */
export async function runScenario(options: RunOptions): Promise<LoadSummary> {
  const slo = sloForStack(
    JSON.parse(readFileSync(options.slo ?? DEFAULT_SLO_FILE, "utf8")) as unknown,
    options.stack,
  );
  const recorder = options.recorder ?? new Recorder();
  const info: Record<string, number | string> = {};
  const started = new Date();
  const t0 = performance.now();
  const stop = startProgress(() => {
    const s = ((performance.now() - t0) / 1000).toFixed(0);
    const p99 = recorder.delivery.percentile(99);
    return `${options.scenario} ${s}s  connects ok/failed ${recorder.connectSuccess.passes}/${recorder.connectSuccess.fails}  published ${recorder.published}  received ${recorder.received}  p99 ${Number.isNaN(p99) ? "-" : p99.toFixed(1)} ms`;
  }, options.progress ?? true);
  try {
    await SCENARIO_RUNS[options.scenario]({
      scenario: options.scenario,
      urls: options.urls,
      metricsUrls: options.metricsUrls ?? [],
      connections: options.connections,
      durationSeconds: options.durationSeconds,
      rate: options.rate,
      connectRate: options.connectRate,
      channel: options.channel,
      headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
      recorder,
      drainMs: options.drainMs ?? 5_000,
      signal: options.signal ?? new AbortController().signal,
      info,
    });
  } finally {
    stop();
  }
  for (const [code, n] of recorder.closeCodes) info[`unexpected_close_${code}`] = n;
  const metrics = recorder.metrics();
  const thresholds = evaluateThresholds(sloThresholds(slo, options.scenario), metrics);
  return {
    version: 1,
    tool: "node",
    scenario: options.scenario,
    stack: options.stack,
    startedAt: started.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    metrics,
    thresholds,
    info,
    ok: thresholds.every((t) => t.ok),
  };
}
