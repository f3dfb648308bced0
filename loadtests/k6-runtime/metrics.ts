// k6's four metric types and its thresholds, as k6 documents them: a Counter reads count and
// rate, a Gauge value (min, max), a Rate rate (passes, fails), a Trend avg/min/med/max/p(N).
// A metric without samples reads 0 in every statistic, so a threshold on it can pass: that is
// k6's behaviour, kept here on purpose (the scripts guard every verdict with a count).

export type MetricType = "counter" | "gauge" | "rate" | "trend";

/** One metric's samples, reduced as k6 reduces them. */
export class Sink {
  private count = 0;
  private sum = 0;
  private last = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  private trues = 0;
  private readonly values: number[] = [];
  private sorted = true;

  constructor(
    readonly name: string,
    readonly type: MetricType,
    readonly isTime: boolean,
  ) {}

  add(value: number | boolean): void {
    const v = typeof value === "boolean" ? (value ? 1 : 0) : Number(value);
    this.count++;
    this.sum += v;
    this.last = v;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
    if (v !== 0) this.trues++;
    if (this.type === "trend") {
      if (this.values.length > 0 && v < (this.values[this.values.length - 1] as number)) {
        this.sorted = false;
      }
      this.values.push(v);
    }
  }

  /** The value at percentile p (0–100), linear between ranks; 0 when empty (as k6). */
  percentile(p: number): number {
    if (this.values.length === 0) return 0;
    if (!this.sorted) {
      this.values.sort((a, b) => a - b);
      this.sorted = true;
    }
    const rank = (p / 100) * (this.values.length - 1);
    const lower = Math.floor(rank);
    const a = this.values[lower] as number;
    const b = this.values[Math.min(lower + 1, this.values.length - 1)] as number;
    return a + (b - a) * (rank - lower);
  }

  /** The statistics a summary and the thresholds read; `trendStats` picks a Trend's. */
  stats(elapsedSeconds: number, trendStats: readonly string[]): Record<string, number> {
    const empty = this.count === 0;
    switch (this.type) {
      case "counter":
        return { count: this.sum, rate: this.sum / Math.max(elapsedSeconds, 1e-9) };
      case "gauge":
        return { value: this.last, min: empty ? 0 : this.lo, max: empty ? 0 : this.hi };
      case "rate":
        return {
          rate: empty ? 0 : this.trues / this.count,
          passes: this.trues,
          fails: this.count - this.trues,
        };
      case "trend": {
        const out: Record<string, number> = {};
        for (const stat of trendStats) out[stat] = this.trendStat(stat);
        return out;
      }
    }
  }

  /** One Trend statistic by its k6 name; NaN for a name k6 does not know. */
  trendStat(stat: string): number {
    if (stat === "count") return this.count;
    if (this.count === 0) return 0;
    if (stat === "avg") return this.sum / this.count;
    if (stat === "min") return this.lo;
    if (stat === "max") return this.hi;
    if (stat === "med") return this.percentile(50);
    const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
    return p ? this.percentile(Number(p[1])) : Number.NaN;
  }
}

/** Aggregations each metric type accepts in a threshold (k6's list; no `count` on a Trend). */
const AGGREGATIONS: Record<MetricType, RegExp> = {
  counter: /^(count|rate)$/,
  gauge: /^value$/,
  rate: /^rate$/,
  trend: /^(avg|min|max|med|p\(\d+(\.\d+)?\))$/,
};

/** A parsed threshold expression such as `p(95)<500`. */
export interface Threshold {
  source: string;
  aggregation: string;
  op: string;
  limit: number;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
}

/** A threshold k6 would refuse: the message names the metric and the expression. */
export class ThresholdError extends Error {
  override readonly name = "ThresholdError";
}

/** Parses one entry of `options.thresholds[metric]` (a string or `{ threshold, abortOnFail }`). */
export function parseThreshold(sink: Sink, entry: unknown): Threshold {
  const spec =
    typeof entry === "string"
      ? { threshold: entry }
      : (entry as { threshold?: unknown; abortOnFail?: unknown; delayAbortEval?: unknown });
  const source = String(spec.threshold ?? "");
  const m =
    /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(
      source,
    );
  if (!m) throw new ThresholdError(`invalid threshold "${source}" on ${sink.name}`);
  const [, aggregation, op, limit] = m as unknown as [string, string, string, string];
  if (!AGGREGATIONS[sink.type].test(aggregation)) {
    throw new ThresholdError(
      `threshold "${source}" on ${sink.name}: a ${sink.type} has no "${aggregation}"`,
    );
  }
  return {
    source,
    aggregation,
    op,
    limit: Number(limit),
    abortOnFail: spec.abortOnFail === true,
    delayAbortEvalMs: durationMs(spec.delayAbortEval ?? "0s"),
  };
}

/** Whether `sink` passes `t` now (empty metrics read 0, as in k6). */
export function passes(sink: Sink, t: Threshold, elapsedSeconds: number): boolean {
  const value =
    sink.type === "trend"
      ? sink.trendStat(t.aggregation)
      : (sink.stats(elapsedSeconds, [])[t.aggregation] ?? 0);
  switch (t.op) {
    case "<":
      return value < t.limit;
    case "<=":
      return value <= t.limit;
    case ">":
      return value > t.limit;
    case ">=":
      return value >= t.limit;
    case "!=":
      return value !== t.limit;
    default:
      return value === t.limit;
  }
}

/** A k6 duration ("90s", "1m30s", "500ms", or a number of ms) in milliseconds. */
export function durationMs(value: unknown): number {
  if (typeof value === "number") return value;
  const text = String(value);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new ThresholdError(`invalid duration "${text}"`);
  }
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * (unit[p[2] as string] as number), 0);
}
