// Latency maths with bounded memory: a log-bucketed histogram (HDR-like, 1 % relative
// precision from 1 µs to 1000 s) so millions of samples cost a fixed 8 KB and percentiles merge.

const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Values are bucketed in microseconds; this is the largest bucketed value (1000 s). */
const MAX_MICROS = 1e9;
const BUCKETS = Math.ceil(Math.log(MAX_MICROS) / LOG_GROWTH) + 2;

/** The trend statistics a summary carries, named as k6 names them. */
export type TrendValues = {
  avg: number;
  min: number;
  med: number;
  max: number;
  "p(90)": number;
  "p(95)": number;
  "p(99)": number;
  count: number;
};

function bucketOf(ms: number): number {
  const micros = ms * 1000;
  if (micros < 1) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(micros) / LOG_GROWTH));
}

/** Geometric middle of a bucket, in milliseconds. */
function bucketValue(bucket: number): number {
  if (bucket === 0) return 0;
  return GROWTH ** (bucket - 0.5) / 1000;
}

/** A latency distribution in milliseconds. */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;

  /** Records one sample; negative values (clock skew) count as 0. */
  record(ms: number): void {
    const v = Math.max(ms, 0);
    const b = bucketOf(v);
    this.counts[b] = (this.counts[b] as number) + 1;
    this.total++;
    this.sum += v;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
  }

  get count(): number {
    return this.total;
  }

  /** The value at percentile `p` (0–100), within 1 % of the exact one; NaN when empty. */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.total));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b] as number;
      if (seen >= rank) {
        // The top bucket is open-ended: its only honest representative is the maximum.
        if (b === BUCKETS - 1) return this.hi;
        return Math.min(this.hi, Math.max(this.lo, bucketValue(b)));
      }
    }
    return this.hi;
  }

  /** Adds every sample of `other` to this histogram. */
  merge(other: LatencyHistogram): void {
    for (let b = 0; b < BUCKETS; b++) {
      this.counts[b] = (this.counts[b] as number) + (other.counts[b] as number);
    }
    this.total += other.total;
    this.sum += other.sum;
    this.lo = Math.min(this.lo, other.lo);
    this.hi = Math.max(this.hi, other.hi);
  }

  /** The k6-named trend statistics; undefined when there are no samples. */
  values(): TrendValues | undefined {
    if (this.total === 0) return undefined;
    return {
      avg: this.sum / this.total,
      min: this.lo,
      med: this.percentile(50),
      max: this.hi,
      "p(90)": this.percentile(90),
      "p(95)": this.percentile(95),
      "p(99)": this.percentile(99),
      count: this.total,
    };
  }
}
