// What the gate-robustness run does and how it judges: its flags, what it reads from each gate
// run's output, and the verdict (every sound run passes, the slowed hub fails). Pure.

export interface RobustnessArgs {
  /** Gate runs on the sound hub; every one must pass. */
  runs: number;
  /** Cores kept busy by a CPU spinner (pinned with taskset when available) during every run. */
  busyCores: number;
  /** Also run the gate once on a hub slowed by 20 ms per delivery; it must fail (exit 99). */
  slowCheck: boolean;
  /** Passed to the gate as --scale. */
  scale: number;
  reportDir: string;
  help: boolean;
}

/** Bad command-line usage; the message says what to pass instead. */
export class RobustnessUsageError extends Error {
  override readonly name = "RobustnessUsageError";
}

export const ROBUSTNESS_USAGE = `usage: npm run load:gate:robustness -- [--runs N] [--busy-cores N] [--scale 0.1..1]
  [--no-slow-check] [--report-dir DIR]
Runs npm run load:gate N times (default 10) while N cores (default 1) spin on a busy loop, then
once on a hub slowed by 20 ms per delivery. Prints one row per run with the load average.
exit codes: 0 every run passed and the slowed hub failed, 1 otherwise, 2 bad usage`;

/** Parses --runs, --busy-cores, --scale, --no-slow-check, --report-dir, --help. */
export function parseRobustnessArgs(argv: string[], cores: number): RobustnessArgs {
  const args: RobustnessArgs = {
    runs: 10,
    busyCores: 1,
    slowCheck: true,
    scale: 1,
    reportDir: "loadtests/reports/robustness",
    help: false,
  };
  const integer = (flag: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new RobustnessUsageError(
        `${flag} must be an integer from ${min} to ${max}, got ${raw}`,
      );
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("--"))
        throw new RobustnessUsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--help" || flag === "-h") args.help = true;
    else if (flag === "--no-slow-check") args.slowCheck = false;
    else if (flag === "--runs") args.runs = integer(flag, value(), 1, 50);
    else if (flag === "--busy-cores") args.busyCores = integer(flag, value(), 0, cores - 1);
    else if (flag === "--scale") {
      const raw = value();
      args.scale = Number(raw);
      if (!(args.scale >= 0.1 && args.scale <= 1))
        throw new RobustnessUsageError(`--scale must be from 0.1 to 1, got ${raw}`);
    } else if (flag === "--report-dir") args.reportDir = value();
    else
      throw new RobustnessUsageError(
        `unknown argument ${arg}; use --runs N, --busy-cores N, --scale X, --no-slow-check, --report-dir DIR`,
      );
  }
  return args;
}

/** The cores a spinner is pinned to: the last ones, so core 0 (interrupts) stays shared. */
export function spinnerCores(busyCores: number, cores: number): number[] {
  return Array.from({ length: busyCores }, (_, i) => cores - 1 - i);
}

/** What one gate run printed that the robustness table shows. */
export interface GateRunReading {
  /** Raw ws deliveries/s the gate measured before the run; undefined when it printed none. */
  floor: number | undefined;
  /** Raw connections/s the gate measured with the floor. */
  connects: number | undefined;
  /** Crowds the gate chose from the floor, per scenario, as printed ("2000/300/500"). */
  audiences: string | undefined;
  /** "scenario metric threshold actual" of every failed threshold. */
  failed: string[];
  /** Why the gate could not run (exit 1), as it said. */
  error: string | undefined;
}

/** Reads the floor line and the failed thresholds from a gate run's combined output. */
export function readGateOutput(out: string): GateRunReading {
  const floor =
    /raw ws floor: (\d+) deliveries\/s.*?(?:(\d+) connects\/s.*?)?fanout audiences ([\d/]+)/.exec(
      out,
    );
  const failed: string[] = [];
  let scenario = "?";
  for (const line of out.split("\n")) {
    const head = /^(\S+) \(node, stack \S+, [\d.]+ s\): (PASS|FAIL)$/.exec(line);
    if (head) scenario = head[1] as string;
    const row = /^FAIL\s+(\S+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (row) failed.push(`${scenario} ${row[1]} ${row[2]} ${row[3]}`);
  }
  return {
    floor: floor ? Number(floor[1]) : undefined,
    connects: floor?.[2] === undefined ? undefined : Number(floor[2]),
    audiences: floor?.[3],
    failed,
    error: /\[load:gate\] could not run: (.*)/.exec(out)?.[1],
  };
}

export interface GateRunResult extends GateRunReading {
  /** "1".."N" for the sound hub, "slow" for the slowed one. */
  run: string;
  code: number | null;
  seconds: number;
  /** 1-minute load average when the run started. */
  loadAtStart: number;
}

export interface RobustnessVerdict {
  passed: number;
  runs: number;
  /** Exit code of the slowed hub's run; undefined when it was not run. */
  slowCode: number | null | undefined;
  ok: boolean;
}

/** Every sound run exits 0 and the slowed hub's run exits 99 (a threshold failed, not a crash). */
export function robustnessVerdict(
  results: GateRunResult[],
  slow: GateRunResult | undefined,
): RobustnessVerdict {
  const passed = results.filter((r) => r.code === 0).length;
  const slowOk = slow === undefined || slow.code === 99;
  return {
    passed,
    runs: results.length,
    slowCode: slow?.code,
    ok: results.length > 0 && passed === results.length && slowOk,
  };
}

/** One row per run: exit, seconds, load at start, floor, audiences, failed thresholds. */
export function robustnessTable(results: GateRunResult[]): string {
  const header = [
    "run",
    "exit",
    "time",
    "load1",
    "floor/s",
    "connects/s",
    "crowds",
    "failed thresholds / error",
  ];
  const rows = results.map((r) => [
    r.run,
    String(r.code),
    `${r.seconds.toFixed(0)}s`,
    r.loadAtStart.toFixed(2),
    r.floor === undefined ? "-" : String(r.floor),
    r.connects === undefined ? "-" : String(r.connects),
    r.audiences ?? "-",
    r.error !== undefined
      ? `no verdict: ${r.error.slice(0, 120)}`
      : r.failed.length === 0
        ? "-"
        : r.failed.join("; "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
