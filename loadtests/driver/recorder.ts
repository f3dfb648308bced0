// The driver's metrics, named and shaped exactly as the k6 scripts' (lib/slo.ts METRIC), so one
// threshold evaluation and one summary format serve both.
import { LatencyHistogram } from "../lib/latency.js";
import { METRIC, type MetricValues } from "../lib/slo.js";
import { Timeline } from "./timeline.js";

/** A k6 Rate: the share of samples that were true (k6 calls them passes). */
class RateCounter {
  passes = 0;
  fails = 0;
  add(value: boolean): void {
    if (value) this.passes++;
    else this.fails++;
  }
  values(): MetricValues | undefined {
    const total = this.passes + this.fails;
    if (total === 0) return undefined;
    return { rate: this.passes / total, passes: this.passes, fails: this.fails };
  }
}

/** Everything a scenario measures. */
export class Recorder {
  readonly connectTime = new LatencyHistogram();
  readonly delivery = new LatencyHistogram();
  readonly reconnect = new LatencyHistogram();
  /** true per successful connect (hello received), false per failed attempt. */
  readonly connectSuccess = new RateCounter();
  /** true per failed operation (error frame, unacknowledged publish, unexpected close), false per good one. */
  readonly errors = new RateCounter();
  published = 0;
  received = 0;
  lost = 0;
  duplicated = 0;
  /** Close codes seen on unexpected closes, for the report. */
  readonly closeCodes = new Map<number, number>();
  /** Per-second deliveries, p99 and errors by code, printed when a gate fails. */
  readonly timeline = new Timeline();

  private readonly startedAt = performance.now();

  /** Counts an unexpected close by code. */
  unexpectedClose(code: number): void {
    this.closeCodes.set(code, (this.closeCodes.get(code) ?? 0) + 1);
    this.fail(`close_${code}`);
  }

  /** One failed operation, counted once in `errors` and in the timeline under `code`. */
  fail(code: string): void {
    this.errors.add(true);
    this.timeline.error(code);
  }

  /** One delivery with its publish-to-delivery latency in ms. */
  delivered(ms: number): void {
    this.delivery.record(ms);
    this.timeline.delivered(ms);
  }

  /** The k6-shaped metrics; a metric without samples is left out (its thresholds then fail). */
  metrics(): Record<string, MetricValues> {
    const seconds = Math.max(1e-9, (performance.now() - this.startedAt) / 1000);
    const out: Record<string, MetricValues> = {
      [METRIC.published]: { count: this.published, rate: this.published / seconds },
      [METRIC.received]: { count: this.received, rate: this.received / seconds },
      [METRIC.lost]: { count: this.lost, rate: this.lost / seconds },
      [METRIC.duplicates]: { count: this.duplicated, rate: this.duplicated / seconds },
      [METRIC.sessions]: {
        count: this.connectTime.count,
        rate: this.connectTime.count / seconds,
      },
      [METRIC.reconnects]: {
        count: this.reconnect.count,
        rate: this.reconnect.count / seconds,
      },
    };
    const add = (name: string, values: MetricValues | undefined) => {
      if (values) out[name] = values;
    };
    add(METRIC.connectTime, this.connectTime.values());
    add(METRIC.delivery, this.delivery.values());
    add(METRIC.reconnect, this.reconnect.values());
    add(METRIC.connectSuccess, this.connectSuccess.values());
    add(METRIC.errors, this.errors.values());
    return out;
  }
}
