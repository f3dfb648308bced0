// The SLO file (contract/slo.json) turned into thresholds: k6 threshold expressions for the
// scripts, and the same thresholds evaluated by the Node driver, so both gate on identical rules.
// No runtime imports: k6 loads this file as it is.

/** The load scenarios; k6 scripts and the driver share these names. */
export const SCENARIOS = ["connect-ramp", "fanout", "soak", "reconnect-storm"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Metric names, the same in k6 (built-in or custom) and in the driver's summary. */
export const METRIC = {
  connectSuccess: "connect_success",
  /** k6/websockets' built-in trend: time to an open WebSocket, in ms. */
  connectTime: "ws_connecting",
  delivery: "delivery_latency",
  lost: "messages_lost",
  errors: "errors",
  reconnect: "reconnect_time",
  published: "messages_published",
  received: "messages_received",
  duplicates: "messages_duplicated",
  /** k6/websockets' built-in counter of sessions started; the driver counts opened sockets. */
  sessions: "ws_sessions",
  /** Completed reconnects (drop → subscribed again); each one is a reconnect_time sample. */
  reconnects: "reconnects",
} as const;

/** One stack's service level objectives; times in ms, rates as fractions (see slo.json). */
export interface Slo {
  connectSuccessRate: number;
  connectTimeP95Ms: number;
  deliveryP50Ms: number;
  deliveryP95Ms: number;
  deliveryP99Ms: number;
  messageLoss: number;
  errorRate: number;
  reconnectWithinMs: number;
}

const SLO_KEYS: ReadonlyArray<keyof Slo> = [
  "connectSuccessRate",
  "connectTimeP95Ms",
  "deliveryP50Ms",
  "deliveryP95Ms",
  "deliveryP99Ms",
  "messageLoss",
  "errorRate",
  "reconnectWithinMs",
];

/** The SLO file is missing a stack or holds a bad value; the message names which. */
export class SloError extends Error {
  override readonly name = "SloError";
}

/** Picks and validates one stack of a parsed SLO file. */
export function sloForStack(file: unknown, stack: string): Slo {
  if (typeof file !== "object" || file === null) {
    throw new SloError("the SLO file must be a JSON object keyed by stack name");
  }
  const entry = (file as Record<string, unknown>)[stack];
  if (typeof entry !== "object" || entry === null || stack.startsWith("$")) {
    const stacks = Object.keys(file).filter((k) => !k.startsWith("$"));
    throw new SloError(`the SLO file has no stack "${stack}"; use one of: ${stacks.join(", ")}`);
  }
  const slo = {} as Slo;
  for (const key of SLO_KEYS) {
    const value = (entry as Record<string, unknown>)[key];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new SloError(
        `SLO "${stack}.${key}" must be a finite number, got ${JSON.stringify(value)}`,
      );
    }
    slo[key] = value;
  }
  return slo;
}

/** The statistic a threshold reads, named as k6 names it. */
export type Stat = "rate" | "count" | "med" | "p(95)" | "p(99)" | "max";
export type Comparison = "<" | "<=" | ">=" | ">";

/** One threshold: `metric` `stat` `op` `limit`, e.g. ws_connecting p(95) < 500. */
export interface ThresholdSpec {
  metric: string;
  stat: Stat;
  op: Comparison;
  limit: number;
  /** k6 stops the run as soon as this one fails (after `delayAbortEval`). */
  abortOnFail?: boolean;
  delayAbortEval?: string;
}

/** The k6 expression of a threshold: `p(95)<500`. */
export function expression(spec: ThresholdSpec): string {
  return `${spec.stat}${spec.op}${spec.limit}`;
}

/** The thresholds a scenario gates on, from one stack's SLOs. */
export function sloThresholds(slo: Slo, scenario: ScenarioName): ThresholdSpec[] {
  // k6 passes a threshold on a metric without samples (an empty Trend reads 0, an empty Rate or
  // Counter 0 too), so every verdict also rests on a count that an empty run cannot meet.
  const sessions: ThresholdSpec = { metric: METRIC.sessions, stat: "count", op: ">", limit: 0 };
  const acked: ThresholdSpec = { metric: METRIC.published, stat: "count", op: ">", limit: 0 };
  const received: ThresholdSpec = { metric: METRIC.received, stat: "count", op: ">", limit: 0 };
  const reconnected: ThresholdSpec = {
    metric: METRIC.reconnects,
    stat: "count",
    op: ">",
    limit: 0,
  };
  const connect: ThresholdSpec[] = [
    sessions,
    {
      metric: METRIC.connectSuccess,
      stat: "rate",
      op: ">=",
      limit: slo.connectSuccessRate,
      // A stack that refuses connections will not recover mid-run: stop early, after warm-up.
      abortOnFail: true,
      delayAbortEval: "30s",
    },
    { metric: METRIC.connectTime, stat: "p(95)", op: "<", limit: slo.connectTimeP95Ms },
    { metric: METRIC.errors, stat: "rate", op: "<=", limit: slo.errorRate },
  ];
  // One lost message already breaks the contract; nothing later in the run can undo it.
  const loss: ThresholdSpec = {
    metric: METRIC.lost,
    stat: "count",
    op: "<=",
    limit: slo.messageLoss,
    abortOnFail: true,
  };
  const delivery: ThresholdSpec[] = [
    acked,
    received,
    { metric: METRIC.delivery, stat: "med", op: "<", limit: slo.deliveryP50Ms },
    { metric: METRIC.delivery, stat: "p(95)", op: "<", limit: slo.deliveryP95Ms },
    { metric: METRIC.delivery, stat: "p(99)", op: "<", limit: slo.deliveryP99Ms },
    loss,
  ];
  switch (scenario) {
    case "connect-ramp":
      return connect;
    case "fanout":
    case "soak":
      return [...connect, ...delivery];
    case "reconnect-storm":
      return [
        ...connect,
        reconnected,
        { metric: METRIC.reconnect, stat: "max", op: "<", limit: slo.reconnectWithinMs },
        acked,
        received,
        loss,
      ];
  }
}

/** k6 `options.thresholds` for a list of thresholds (object form where abortOnFail is set). */
export function toK6Thresholds(
  specs: ThresholdSpec[],
): Record<
  string,
  Array<string | { threshold: string; abortOnFail: boolean; delayAbortEval?: string }>
> {
  const out: Record<
    string,
    Array<string | { threshold: string; abortOnFail: boolean; delayAbortEval?: string }>
  > = {};
  for (const spec of specs) {
    const list = out[spec.metric] ?? [];
    out[spec.metric] = list;
    const threshold = expression(spec);
    if (list.some((t) => (typeof t === "string" ? t : t.threshold) === threshold)) continue;
    if (!spec.abortOnFail) {
      list.push(threshold);
    } else if (spec.delayAbortEval) {
      list.push({ threshold, abortOnFail: true, delayAbortEval: spec.delayAbortEval });
    } else {
      list.push({ threshold, abortOnFail: true });
    }
  }
  return out;
}

/** A metric's statistics, k6 style: trends carry avg/min/med/max/p(..)/count, rates rate/passes/fails. */
export type MetricValues = Record<string, number>;

/** The outcome of one threshold against measured values. */
export interface ThresholdResult {
  metric: string;
  expression: string;
  /** The measured statistic; null when the metric had no samples (which fails the threshold). */
  actual: number | null;
  ok: boolean;
}

/** Evaluates thresholds the way k6 does; a metric without samples fails rather than passes. */
export function evaluateThresholds(
  specs: ThresholdSpec[],
  metrics: Record<string, MetricValues>,
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const spec of specs) {
    const expr = expression(spec);
    if (results.some((r) => r.metric === spec.metric && r.expression === expr)) continue;
    const value = metrics[spec.metric]?.[spec.stat];
    const actual = typeof value === "number" && Number.isFinite(value) ? value : null;
    let ok = false;
    if (actual !== null) {
      if (spec.op === "<") ok = actual < spec.limit;
      else if (spec.op === "<=") ok = actual <= spec.limit;
      else if (spec.op === ">") ok = actual > spec.limit;
      else ok = actual >= spec.limit;
    }
    results.push({ metric: spec.metric, expression: expr, actual, ok });
  }
  return results;
}
