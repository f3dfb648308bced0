// What the load gate runs: the scenarios, their sizes and the scale of a quick run. Pure.
import type { ScenarioName } from "./lib/slo.js";

export interface GateStep {
  scenario: ScenarioName;
  connections: number;
  durationSeconds: number;
  rate: number;
  /** Connection attempts started per second. */
  connectRate: number;
}

/** The gate's scenarios at full size: about a minute of traffic on a 2-core machine. */
export const GATE_STEPS: readonly GateStep[] = [
  { scenario: "connect-ramp", connections: 2_000, durationSeconds: 3, rate: 0, connectRate: 1_000 },
  { scenario: "fanout", connections: 1_000, durationSeconds: 15, rate: 50, connectRate: 1_000 },
  {
    scenario: "reconnect-storm",
    connections: 500,
    durationSeconds: 12,
    rate: 20,
    connectRate: 1_000,
  },
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

/** The machine's raw ws floor now, measured in the same run (gate-floor.ts). */
export interface Floor {
  /** Deliveries/s a naive ws broadcast loop sustains at the fanout's audience. */
  deliveriesPerSecond: number;
  /** Subscribed raw connections opened per second while the floor's generator asked connectsAsked/s. */
  connectsPerSecond: number;
  connectsAsked: number;
}

/** Longest connect-ramp at the fitted connect rate; its crowd is cut to fit. */
export const RAMP_MAX_SECONDS = 10;

/**
 * The steps fitted to the floor. Fanout audiences: rate × subscribers ≤ FLOOR_SHARE × raw
 * deliveries/s, the message rate kept. Connections: when the raw server opened only a fraction
 * f of the connections/s asked of it, the machine handshakes f times as fast as a quiet one, so
 * connect rates and the reconnect storm's crowd (all of it reconnects at once: its burst takes
 * crowd ÷ handshake rate) are scaled by f, which keeps the time a handshake waits in the queue
 * what it is on a quiet runner. A hub that handshakes or delivers slower still fails.
 */
export function fitToFloor(
  steps: GateStep[],
  floor: Floor,
): { steps: GateStep[]; tooSlow: boolean } {
  const budget = FLOOR_SHARE * floor.deliveriesPerSecond;
  const ratio = floor.connectsPerSecond / floor.connectsAsked;
  // NaN (not measured) counts as too slow: no verdict rather than a guess.
  const f = ratio >= 0 ? Math.min(1, ratio) : 0;
  // The full-size storm's crowd scaled by f decides whether a verdict is possible at all, so a
  // quick run (a smaller storm) is refused on the same machines as a full one.
  const fullStorm = GATE_STEPS.find((s) => s.scenario === "reconnect-storm")?.connections ?? 0;
  let tooSlow = Math.floor(fullStorm * f) < MIN_SUBSCRIBERS;
  const stormCrowd = (n: number) => Math.max(Math.min(n, MIN_SUBSCRIBERS), Math.floor(n * f));
  const fitted = steps.map((step) => {
    const connectRate = Math.max(1, Math.floor(step.connectRate * f));
    if (step.rate <= 0) {
      const connections = Math.min(step.connections, connectRate * RAMP_MAX_SECONDS);
      if (connections < MIN_SUBSCRIBERS) tooSlow = true;
      return { ...step, connectRate, connections: Math.max(MIN_SUBSCRIBERS, connections) };
    }
    let fits = Math.floor(budget / step.rate);
    if (fits < MIN_SUBSCRIBERS) tooSlow = true;
    if (step.scenario === "reconnect-storm") fits = Math.min(fits, stormCrowd(step.connections));
    const connections = Math.max(MIN_SUBSCRIBERS, Math.min(step.connections, fits));
    return { ...step, connectRate, connections };
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
