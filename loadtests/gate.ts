// npm run load:gate: two hub nodes (real processes) on one Redis, the gate scenarios through the
// Node driver against the stack's SLOs, a table, exit 99 on any breach. Everything it starts is
// stopped on every exit path.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Recorder } from "./driver/recorder.js";
import { runScenario } from "./driver/run.js";
import { measureRawFloor } from "./gate-floor.js";
import {
  fitToFloor,
  GATE_USAGE,
  type GateStep,
  GateUsageError,
  parseGateArgs,
  scaledSteps,
} from "./gate-plan.js";
import { ensureHubBuilt, type HubProcess, startHubProcess } from "./harness/hub-process.js";
import { HubWarnings } from "./harness/hub-warnings.js";
import { type RunningRedis, startRedis } from "./harness/redis.js";
import { junitXml } from "./lib/junit.js";
import { type LoadSummary, summaryTable } from "./lib/summary.js";
import { VERDICT_HEADER, verdictCells } from "./lib/summary-markdown.js";

const EXIT_THRESHOLD_FAILED = 99;

function log(line: string): void {
  process.stderr.write(`[load:gate] ${line}\n`);
}

function verdictTable(summaries: LoadSummary[]): string {
  const rows = summaries.map(verdictCells);
  const header = [...VERDICT_HEADER];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseGateArgs>;
  try {
    args = parseGateArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof GateUsageError)) throw error;
    process.stderr.write(`${error.message}\n${GATE_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${GATE_USAGE}\n`);
    return 0;
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let redis: RunningRedis | undefined;
  const hubs: HubProcess[] = [];
  const summaries: LoadSummary[] = [];
  const warnings: HubWarnings[] = [];
  const timelines: string[] = [];
  const t0 = performance.now();
  try {
    ensureHubBuilt();
    let steps: GateStep[] = scaledSteps(args.scale);
    if (args.floor) {
      const audience = Math.max(...steps.filter((s) => s.rate > 0).map((s) => s.connections));
      const floor = await measureRawFloor(audience);
      const fitted = fitToFloor(steps, floor);
      log(
        `raw ws floor: ${Math.round(floor.deliveriesPerSecond)} deliveries/s at ${audience} subscribers, ${Math.round(floor.connectsPerSecond)} connects/s; fanout audiences ${fitted.steps.map((s) => s.connections).join("/")}, connect rates ${fitted.steps.map((s) => s.connectRate).join("/")}/s`,
      );
      if (fitted.tooSlow) {
        throw new Error(
          `this machine delivers only ${Math.round(floor.deliveriesPerSecond)} raw ws messages/s and opens ${Math.round(floor.connectsPerSecond)} raw connections/s now: too busy for a verdict; run the gate on a quieter runner`,
        );
      }
      steps = fitted.steps;
    }
    redis = await startRedis();
    log(`redis (${redis.kind}) at ${redis.url}`);
    // Test-only defect injection: a module preloaded into every hub node (see docs/load.md).
    const inject = process.env.GATE_HUB_IMPORT;
    for (const nodeId of ["gate-a", "gate-b"]) {
      const hub = await startHubProcess({
        nodeId,
        redisUrl: redis.url,
        ...(inject ? { execArgv: ["--import", inject] } : {}),
      });
      hubs.push(hub);
      warnings.push(new HubWarnings(nodeId, hub.process));
    }
    log(`hub nodes at ${hubs.map((h) => h.wsUrl).join(", ")}`);
    const urls = hubs.map((h) => h.wsUrl);
    for (const step of steps) {
      if (abort.signal.aborted) break;
      log(`${step.scenario}: ${step.connections} connections, ${step.durationSeconds} s`);
      const recorder = new Recorder();
      const summary = await runScenario({
        ...step,
        recorder,
        urls,
        stack: args.stack,
        slo: args.slo,
        channel: `gate:${step.scenario}`,
        progress: process.stderr.isTTY === true,
        signal: abort.signal,
      });
      summaries.push(summary);
      if (!summary.ok) {
        timelines.push(`${step.scenario}, per second:\n${recorder.timeline.table()}`);
      }
      process.stdout.write(`${summaryTable(summary)}\n\n`);
      mkdirSync(args.reportDir, { recursive: true });
      writeFileSync(
        join(args.reportDir, `gate-${step.scenario}.json`),
        `${JSON.stringify(summary, null, 2)}\n`,
      );
      writeFileSync(join(args.reportDir, `gate-${step.scenario}.xml`), junitXml(summary));
    }
    for (const hub of hubs) {
      if (!hub.process.running)
        throw new Error(`hub ${hub.nodeId} exited during the gate:\n${hub.process.output()}`);
    }
  } finally {
    await Promise.allSettled(hubs.map((h) => h.stop()));
    await redis?.stop().catch(() => {});
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (timelines.length > 0) {
    process.stdout.write(`${timelines.join("\n\n")}\n\nhub warnings:\n`);
    process.stdout.write(`${warnings.map((w) => w.report()).join("\n")}\n\n`);
  }
  process.stdout.write(`${verdictTable(summaries)}\n`);
  if (abort.signal.aborted) {
    log("interrupted: no verdict");
    return 1;
  }
  const ok = summaries.length > 0 && summaries.every((s) => s.ok);
  log(
    `${ok ? "PASS" : "FAIL"} in ${((performance.now() - t0) / 1000).toFixed(1)} s (SLOs: ${args.slo ?? "contract/slo.json"}, stack ${args.stack})`,
  );
  return ok ? 0 : EXIT_THRESHOLD_FAILED;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `[load:gate] could not run: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
