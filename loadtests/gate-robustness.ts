// npm run load:gate:robustness: the load gate on a busy runner. A CPU spinner holds N cores
// (pinned with taskset when it exists) while the gate runs on the sound hub N times, then once on
// a hub slowed by 20 ms per delivery. The sound runs must all pass, the slowed one must fail:
// a gate that does either wrong on a shared runner lies. Every child is stopped on every path.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type GateRunResult,
  parseRobustnessArgs,
  ROBUSTNESS_USAGE,
  RobustnessUsageError,
  readGateOutput,
  robustnessTable,
  robustnessVerdict,
  spinnerCores,
} from "./gate-robustness-plan.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SLOW_DELIVERY = join(ROOT, "loadtests/test/fixtures/slow-delivery.mjs");
/** A gate run that takes longer than this is ended (the full gate takes about 70 s). */
const GATE_RUN_LIMIT_MS = 5 * 60_000;
/** The spinner ends by itself after this, whatever happens to this process. */
const SPINNER_LIMIT_MS = 2 * 60 * 60_000;

function log(line: string): void {
  process.stderr.write(`[gate-robustness] ${line}\n`);
}

/** A busy loop on `core` (pinned when taskset exists), bounded in time. */
function startSpinner(core: number, pin: boolean): ChildProcess {
  const script = "const end=Date.now()+Number(process.argv[1]);while(Date.now()<end){}";
  const node = [process.execPath, "-e", script, String(SPINNER_LIMIT_MS)];
  const [command, ...args] = pin ? ["taskset", "-c", String(core), ...node] : node;
  return spawn(command as string, args, { stdio: "ignore" });
}

function hasTaskset(): boolean {
  return spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
}

/** One gate run; its output goes to `<reportDir>/<run>.log`. */
function runGate(
  run: string,
  args: { scale: number; reportDir: string },
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<GateRunResult> {
  const loadAtStart = loadavg()[0] ?? 0;
  const t0 = performance.now();
  const gateArgs = ["--report-dir", join(args.reportDir, run), "--scale", String(args.scale)];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "loadtests/gate.ts", ...gateArgs], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const keep = (d: Buffer) => {
      out += d.toString();
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const stop = () => child.kill("SIGINT");
    const timer = setTimeout(stop, GATE_RUN_LIMIT_MS);
    signal.addEventListener("abort", stop, { once: true });
    child.once("exit", (code) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", stop);
      writeFileSync(join(args.reportDir, `${run}.log`), out);
      const seconds = (performance.now() - t0) / 1000;
      resolve({ run, code, seconds, loadAtStart, ...readGateOutput(out) });
    });
  });
}

async function main(): Promise<number> {
  const cores = availableParallelism();
  let args: ReturnType<typeof parseRobustnessArgs>;
  try {
    args = parseRobustnessArgs(process.argv.slice(2), cores);
  } catch (error) {
    if (!(error instanceof RobustnessUsageError)) throw error;
    process.stderr.write(`${error.message}\n${ROBUSTNESS_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${ROBUSTNESS_USAGE}\n`);
    return 0;
  }
  mkdirSync(args.reportDir, { recursive: true });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const pin = hasTaskset();
  const spinners = spinnerCores(args.busyCores, cores).map((core) => startSpinner(core, pin));
  log(
    `${cores} cores, ${spinners.length} busy (${pin ? "pinned with taskset" : "unpinned: no taskset"}); load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" / ")}`,
  );
  const results: GateRunResult[] = [];
  let slow: GateRunResult | undefined;
  try {
    for (let i = 1; i <= args.runs && !abort.signal.aborted; i++) {
      const result = await runGate(String(i), args, process.env, abort.signal);
      results.push(result);
      log(
        `run ${i}/${args.runs}: exit ${result.code} in ${result.seconds.toFixed(0)} s (load ${result.loadAtStart.toFixed(2)})`,
      );
    }
    if (args.slowCheck && !abort.signal.aborted) {
      const env = { ...process.env, GATE_HUB_IMPORT: SLOW_DELIVERY };
      slow = await runGate("slow", args, env, abort.signal);
      log(`slowed hub (20 ms per delivery): exit ${slow.code} in ${slow.seconds.toFixed(0)} s`);
    }
  } finally {
    for (const spinner of spinners) spinner.kill("SIGKILL");
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const verdict = robustnessVerdict(results, slow);
  process.stdout.write(`${robustnessTable(slow ? [...results, slow] : results)}\n\n`);
  const slowText =
    verdict.slowCode === undefined
      ? "slowed hub not run"
      : verdict.slowCode === 99
        ? "slowed hub failed the gate (exit 99), as it must"
        : verdict.slowCode === 1
          ? "slowed hub got no verdict (exit 1): not checked"
          : `slowed hub exit ${verdict.slowCode}: the gate did not catch it`;
  process.stdout.write(
    `sound hub passed ${verdict.passed}/${verdict.runs} with ${spinners.length} busy core(s); ${slowText}; logs in ${args.reportDir}\n`,
  );
  if (abort.signal.aborted) {
    log("interrupted: no verdict");
    return 1;
  }
  return verdict.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `[gate-robustness] could not run: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
