// Command-line options of the load driver, parsed and validated once (exit 2 on bad usage).
import { SCENARIOS, type ScenarioName } from "../lib/slo.js";

/** Bad command-line usage; the message says what to pass instead. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface DriverArgs {
  scenario: ScenarioName;
  urls: string[];
  /** Each node's internal /metrics URL (soak reads memory from them). */
  metricsUrls: string[];
  stack: string;
  /** Path of the SLO file (default contract/slo.json). */
  slo: string | undefined;
  connections: number;
  durationSeconds: number;
  rate: number;
  connectRate: number;
  channel: string;
  token: string | undefined;
  summary: string | undefined;
  junit: string | undefined;
  quiet: boolean;
}

/** Per-scenario defaults: small enough for a laptop, large enough to mean something. */
const DEFAULTS: Record<ScenarioName, { connections: number; duration: number; rate: number }> = {
  "connect-ramp": { connections: 1_000, duration: 10, rate: 0 },
  fanout: { connections: 500, duration: 20, rate: 20 },
  soak: { connections: 500, duration: 300, rate: 10 },
  "reconnect-storm": { connections: 500, duration: 20, rate: 20 },
};

/** Upper bounds that keep every run finite. */
const LIMITS = { connections: 60_000, durationSeconds: 24 * 3600, rate: 100_000 };

export const USAGE = `usage: npm run load -- --scenario <${SCENARIOS.join("|")}> --url ws://127.0.0.1:8080/v1/ws [--url ...]
  [--metrics-url http://127.0.0.1:9091/metrics ...] [--stack dev] [--slo contract/slo.json] [--connections N] [--duration SECONDS] [--rate MSG_PER_S]
  [--connect-rate CONN_PER_S] [--channel NAME] [--token JWT] [--summary FILE.json] [--junit FILE.xml] [--quiet]
exit codes: 0 all thresholds passed, 99 a threshold failed, 2 bad usage, 1 the run itself failed`;

function number(name: string, raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (raw === undefined || raw === "" || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** Parses argv (without node and script); throws UsageError. */
export function parseArgs(argv: string[]): DriverArgs {
  const values = new Map<string, string>();
  const urls: string[] = [];
  const metricsUrls: string[] = [];
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--quiet") {
      quiet = true;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const name = match[1] as string;
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (name === "url") urls.push(value);
    else if (name === "metrics-url") metricsUrls.push(value);
    else values.set(name, value);
  }
  const known = new Set([
    "scenario",
    "stack",
    "slo",
    "connections",
    "duration",
    "rate",
    "connect-rate",
    "channel",
    "token",
    "summary",
    "junit",
  ]);
  for (const name of values.keys()) {
    if (!known.has(name)) throw new UsageError(`unknown option --${name}`);
  }
  const scenario = values.get("scenario");
  if (!SCENARIOS.includes(scenario as ScenarioName)) {
    throw new UsageError(
      `--scenario must be one of ${SCENARIOS.join(", ")}, got ${JSON.stringify(scenario)}`,
    );
  }
  const name = scenario as ScenarioName;
  if (urls.length === 0) throw new UsageError("give at least one --url ws://HOST:PORT/v1/ws");
  for (const url of urls) {
    if (!/^ws:\/\/[^/]+\//.test(url))
      throw new UsageError(`--url must be a ws:// URL with a path, got ${JSON.stringify(url)}`);
  }
  for (const url of metricsUrls) {
    if (!/^https?:\/\/[^/]+\//.test(url))
      throw new UsageError(
        `--metrics-url must be an http:// URL of a node's internal port, e.g. http://127.0.0.1:9091/metrics, got ${JSON.stringify(url)}`,
      );
  }
  if (name === "soak" && metricsUrls.length === 0)
    throw new UsageError(
      "soak reads each node's memory: give --metrics-url http://HOST:9091/metrics per node (the internal port)",
    );
  const d = DEFAULTS[name];
  const connections = number(
    "connections",
    values.get("connections") ?? String(d.connections),
    1,
    LIMITS.connections,
  );
  const durationSeconds = number(
    "duration",
    values.get("duration") ?? String(d.duration),
    1,
    LIMITS.durationSeconds,
  );
  const rate = number("rate", values.get("rate") ?? String(d.rate), 0, LIMITS.rate);
  if (name !== "connect-ramp" && rate <= 0)
    throw new UsageError(`--rate must be above 0 for ${name}`);
  const channel = values.get("channel") ?? `load:${name}`;
  if (!/^[A-Za-z0-9:_.-]{1,128}$/.test(channel))
    throw new UsageError(`--channel ${JSON.stringify(channel)} is not a valid channel name`);
  return {
    scenario: name,
    urls,
    metricsUrls,
    stack: values.get("stack") ?? "dev",
    slo: values.get("slo"),
    connections: Math.floor(connections),
    durationSeconds,
    rate,
    connectRate: number("connect-rate", values.get("connect-rate") ?? "500", 1, 100_000),
    channel,
    token: values.get("token"),
    summary: values.get("summary"),
    junit: values.get("junit"),
    quiet,
  };
}
