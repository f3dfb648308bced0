// Runs a k6 script as `k6 run` does, for the subset our scripts use: the script bundled with its
// relative imports (types stripped by esbuild), an init context per VU, per-vu-iterations
// scenarios (vus, iterations, startTime, maxDuration, gracefulStop, exec), thresholds evaluated
// every 2 s with abortOnFail/delayAbortEval and at the end, handleSummary, exit 99 on a failed
// threshold. k6's documented behaviour is kept, empty metrics passing thresholds included.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { build } from "esbuild";
import {
  durationMs,
  type MetricType,
  parseThreshold,
  passes,
  Sink,
  type Threshold,
} from "./metrics.js";
import { type RunShared, Vu } from "./vu.js";

/** k6's exit code when thresholds failed (also after an abort by a threshold). */
export const EXIT_THRESHOLDS_FAILED = 99;
/** k6's exit code for a script or option error. */
export const EXIT_SCRIPT_ERROR = 107;
/** How often k6 evaluates thresholds during a run. */
const THRESHOLD_PERIOD_MS = 2_000;
const DEFAULT_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)"];

export interface RunK6Options {
  script: string;
  /** `-e NAME=VALUE` values, over the process environment (k6 passes system env by default). */
  env?: Record<string, string>;
  log?: (line: string) => void;
  stdout?: (text: string) => void;
}

export interface RunK6Result {
  exitCode: number;
  /** Set when an abortOnFail threshold stopped the run early. */
  abortedBy?: string;
  durationMs: number;
  metrics: Record<string, Record<string, number>>;
  thresholds: Array<{ metric: string; threshold: string; ok: boolean }>;
}

interface Scenario {
  name: string;
  exec: string;
  vus: number;
  iterations: number;
  startTimeMs: number;
  maxDurationMs: number;
  gracefulStopMs: number;
}

function scenariosOf(options: Record<string, unknown>): Scenario[] {
  const raw = (options.scenarios ?? {}) as Record<string, Record<string, unknown>>;
  const list = Object.entries(raw).map(([name, s]) => {
    if (s.executor !== "per-vu-iterations") {
      throw new Error(
        `scenario ${name}: executor ${String(s.executor)} is not supported here (per-vu-iterations is)`,
      );
    }
    return {
      name,
      exec: String(s.exec ?? "default"),
      vus: Number(s.vus ?? 1),
      iterations: Number(s.iterations ?? 1),
      startTimeMs: durationMs(s.startTime ?? "0s"),
      maxDurationMs: durationMs(s.maxDuration ?? "10m"),
      gracefulStopMs: durationMs(s.gracefulStop ?? "30s"),
    };
  });
  if (list.length === 0) throw new Error("the script defines no scenarios");
  return list;
}

/** Runs the script and returns k6's exit code and what it measured. */
export async function runK6(options: RunK6Options): Promise<RunK6Result> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stdout = options.stdout ?? ((text: string) => process.stdout.write(text));
  const scriptPath = resolve(options.script);
  const bundle = await build({
    entryPoints: [scriptPath],
    bundle: true,
    write: false,
    format: "cjs",
    platform: "neutral",
    target: "es2022",
    external: ["k6", "k6/*"],
    logLevel: "silent",
  });
  const sinks = new Map<string, Sink>();
  let aborted: string | undefined;
  const vus: Vu[] = [];
  const shared: RunShared = {
    env: { ...(process.env as Record<string, string>), ...options.env },
    scriptPath,
    code: bundle.outputFiles[0]?.text ?? "",
    log,
    metric(name: string, type: MetricType, isTime: boolean): Sink {
      const existing = sinks.get(name);
      if (existing && existing.type !== type) {
        throw new Error(`metric ${name} is a ${existing.type}, not a ${type}`);
      }
      const sink = existing ?? new Sink(name, type, isTime);
      sinks.set(name, sink);
      return sink;
    },
    abort(reason: string) {
      if (aborted) return;
      aborted = reason;
      for (const vu of vus) vu.interrupt();
    },
  };
  // k6's built-in metrics the scripts read (registered before any script runs).
  shared.metric("ws_connecting", "trend", true);
  shared.metric("ws_sessions", "counter", false);
  const iterations = shared.metric("iterations", "counter", false);

  // The first init context: options, thresholds and scenarios, before any VU exists.
  const probe = new Vu(0, shared);
  const scriptOptions = (probe.exports.options ?? {}) as Record<string, unknown>;
  const scenarios = scenariosOf(scriptOptions);
  const trendStats =
    (scriptOptions.summaryTrendStats as string[] | undefined) ?? DEFAULT_TREND_STATS;
  const thresholds: Array<{ sink: Sink; t: Threshold }> = [];
  for (const [metric, list] of Object.entries(
    (scriptOptions.thresholds ?? {}) as Record<string, unknown[]>,
  )) {
    const sink = sinks.get(metric);
    if (!sink) throw new Error(`invalid threshold: no metric named ${metric} exists`);
    for (const entry of list) thresholds.push({ sink, t: parseThreshold(sink, entry) });
  }

  const t0 = Date.now();
  const elapsed = () => (Date.now() - t0) / 1000;
  const failedAbort = () =>
    thresholds.find(
      ({ sink, t }) =>
        t.abortOnFail && Date.now() - t0 >= t.delayAbortEvalMs && !passes(sink, t, elapsed()),
    );
  const watcher = setInterval(() => {
    const failed = failedAbort();
    if (failed)
      shared.abort(`threshold ${failed.sink.name} ${failed.t.source} failed (abortOnFail)`);
  }, THRESHOLD_PERIOD_MS);

  let nextVu = 1;
  let iterationInTest = 0;
  const runs = scenarios.map(async (scenario) => {
    await new Promise((r) => setTimeout(r, scenario.startTimeMs));
    if (aborted) return;
    const startTime = Date.now();
    const members = Array.from({ length: scenario.vus }, () => new Vu(nextVu++, shared));
    vus.push(...members);
    const hardStop = setTimeout(() => {
      for (const vu of members) vu.interrupt();
    }, scenario.maxDurationMs + scenario.gracefulStopMs);
    await Promise.all(
      members.map(async (vu) => {
        for (let i = 0; i < scenario.iterations && !aborted; i++) {
          if (Date.now() - startTime >= scenario.maxDurationMs) break;
          vu.position = {
            scenario: scenario.name,
            startTime,
            iterationInScenario: i,
            iterationInTest: iterationInTest++,
          };
          await vu.iterate(scenario.exec);
          iterations.add(1);
        }
      }),
    );
    clearTimeout(hardStop);
  });
  await Promise.all(runs);
  clearInterval(watcher);
  if (aborted) log(`run aborted: ${aborted}`);

  const durationMsTotal = Date.now() - t0;
  const results = thresholds.map(({ sink, t }) => ({
    metric: sink.name,
    threshold: t.source,
    ok: passes(sink, t, durationMsTotal / 1000),
  }));
  const metrics: Record<string, Record<string, number>> = {};
  const summaryMetrics: Record<string, unknown> = {};
  for (const [name, sink] of sinks) {
    const values = sink.stats(durationMsTotal / 1000, trendStats);
    metrics[name] = values;
    const own = results.filter((r) => r.metric === name);
    summaryMetrics[name] = {
      type: sink.type,
      contains: sink.isTime ? "time" : "default",
      values,
      ...(own.length > 0
        ? { thresholds: Object.fromEntries(own.map((r) => [r.threshold, { ok: r.ok }])) }
        : {}),
    };
  }
  const handleSummary = probe.exports.handleSummary;
  if (typeof handleSummary === "function") {
    const data = {
      metrics: summaryMetrics,
      state: { testRunDurationMs: durationMsTotal, isStdOutTTY: false, isStdErrTTY: false },
      options: { summaryTrendStats: trendStats },
      root_group: { name: "", path: "", groups: [], checks: [] },
    };
    const outputs = handleSummary(data) as Record<string, string>;
    for (const [target, text] of Object.entries(outputs)) {
      if (target === "stdout") stdout(text);
      else if (target === "stderr") log(text);
      else {
        try {
          // As k6: the file is written where asked; a missing folder is not created.
          writeFileSync(resolve(target), text);
        } catch (error) {
          log(`could not write the summary to ${target}: ${(error as Error).message}`);
        }
      }
    }
  }
  const failed = results.some((r) => !r.ok);
  return {
    exitCode: failed ? EXIT_THRESHOLDS_FAILED : 0,
    ...(aborted ? { abortedBy: aborted } : {}),
    durationMs: durationMsTotal,
    metrics,
    thresholds: results,
  };
}
