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

export interface GateArgs {
  slo: string | undefined;
  stack: string;
  scale: number;
  reportDir: string;
}

/** Parses the gate's flags: --slo FILE, --stack NAME, --quick (scale 0.25), --scale X, --report-dir DIR. */
export function parseGateArgs(argv: string[]): GateArgs {
  const args: GateArgs = { slo: undefined, stack: "dev", scale: 1, reportDir: "loadtests/reports" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--slo") args.slo = value();
    else if (flag === "--stack") args.stack = value();
    else if (flag === "--quick") args.scale = 0.25;
    else if (flag === "--scale") {
      const raw = value();
      args.scale = Number(raw);
      if (!(args.scale >= 0.1 && args.scale <= 1))
        throw new Error(`--scale must be from 0.1 to 1, got ${raw}`);
    } else if (flag === "--report-dir") args.reportDir = value();
    else
      throw new Error(
        `unknown argument ${arg}; use --slo FILE, --stack NAME, --quick, --scale X, --report-dir DIR`,
      );
  }
  return args;
}
