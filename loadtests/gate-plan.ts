// What the load gate runs: the scenarios, their sizes and the scale of a quick run. Pure.
import type { ScenarioName } from "./lib/slo.js";

export interface GateStep {
  scenario: ScenarioName;
  connections: number;
  durationSeconds: number;
  rate: number;
}

/** The gate's scenarios at full size: about a minute of traffic on a 2-core machine. */
export const GATE_STEPS: readonly GateStep[] = [
  { scenario: "connect-ramp", connections: 2_000, durationSeconds: 3, rate: 0 },
  { scenario: "fanout", connections: 1_000, durationSeconds: 15, rate: 50 },
  { scenario: "reconnect-storm", connections: 500, durationSeconds: 12, rate: 20 },
];

/** The steps at `scale` (0.1–1): fewer connections and seconds, never below a meaningful floor. */
export function scaledSteps(scale: number): GateStep[] {
  const s = Math.min(1, Math.max(0.1, scale));
  return GATE_STEPS.map((step) => ({
    ...step,
    connections: Math.max(50, Math.round(step.connections * s)),
    durationSeconds: Math.max(3, Math.round(step.durationSeconds * s)),
  }));
}

/**
 * Share of the raw ws floor (deliveries/s measured in the same run on the same machine) the
 * fanout steps may ask of the hub. Below it a sound hub keeps its SLOs on a runner whose cores
 * are shared; a regression that costs CPU per message still shows, because the message rate is
 * never lowered: only the audience is.
 */
export const FLOOR_SHARE = 0.3;
/** Subscribers a fanout step keeps whatever the floor, so a verdict still rests on a crowd. */
export const MIN_SUBSCRIBERS = 100;

/** The steps fitted to the floor: subscribers cut so rate × subscribers ≤ FLOOR_SHARE × floor. */
export function fitToFloor(
  steps: GateStep[],
  floorDeliveriesPerSecond: number,
): { steps: GateStep[]; tooSlow: boolean } {
  const budget = FLOOR_SHARE * floorDeliveriesPerSecond;
  let tooSlow = false;
  const fitted = steps.map((step) => {
    if (step.rate <= 0) return step;
    const fits = Math.floor(budget / step.rate);
    if (fits < MIN_SUBSCRIBERS) tooSlow = true;
    return { ...step, connections: Math.max(MIN_SUBSCRIBERS, Math.min(step.connections, fits)) };
  });
  return { steps: fitted, tooSlow };
}

export interface GateArgs {
  slo: string | undefined;
  stack: string;
  scale: number;
  reportDir: string;
  /** Measure the raw ws floor first and fit the load to it (default); --no-floor skips it. */
  floor: boolean;
  help: boolean;
}

/** Bad command-line usage of the gate; the message says what to pass instead. */
export class GateUsageError extends Error {
  override readonly name = "GateUsageError";
}

export const GATE_USAGE = `usage: npm run load:gate -- [--quick] [--scale 0.1..1] [--slo FILE] [--stack NAME]
  [--report-dir DIR] [--no-floor]
Starts Redis and two hub nodes, measures the raw ws floor of this machine, runs connect-ramp,
fanout and reconnect-storm through the Node driver against the stack's SLOs.
exit codes: 0 pass, 99 a threshold failed, 2 bad usage, 1 the gate could not run`;

/** Parses the gate's flags: --slo FILE, --stack NAME, --quick (scale 0.25), --scale X, --report-dir DIR, --no-floor, --help. */
export function parseGateArgs(argv: string[]): GateArgs {
  const args: GateArgs = {
    slo: undefined,
    stack: "dev",
    scale: 1,
    reportDir: "loadtests/reports",
    floor: true,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("--")) throw new GateUsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--help" || flag === "-h") args.help = true;
    else if (flag === "--no-floor") args.floor = false;
    else if (flag === "--slo") args.slo = value();
    else if (flag === "--stack") args.stack = value();
    else if (flag === "--quick") args.scale = 0.25;
    else if (flag === "--scale") {
      const raw = value();
      args.scale = Number(raw);
      if (!(args.scale >= 0.1 && args.scale <= 1))
        throw new GateUsageError(`--scale must be from 0.1 to 1, got ${raw}`);
    } else if (flag === "--report-dir") args.reportDir = value();
    else
      throw new GateUsageError(
        `unknown argument ${arg}; use --slo FILE, --stack NAME, --quick, --scale X, --report-dir DIR, --no-floor`,
      );
  }
  return args;
}
