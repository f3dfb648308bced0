// The benchmark's measurements: saturation with at most 32 broadcasts
// in flight, latency at a fixed rate after a warm-up, memory per idle connection after gc.
import { paced, pollUntil } from "../driver/pace.js";
import { LatencyHistogram } from "../lib/latency.js";
import type { Crowd } from "./generator.js";

/** Broadcasts in flight at most during saturation. */
export const MAX_IN_FLIGHT = 32;
/** A saturation phase with no completed broadcast for this long stops and reports what it got. */
const STALL_MS = 10_000;

/** Indices of successive phases never overlap, so a late delivery cannot count twice. */
let nextBase = 0;

export interface Saturation {
  deliveriesPerSecond: number;
  broadcastsPerSecond: number;
  /** false when a broadcast never reached every subscriber (loss or a stall). */
  complete: boolean;
  /** Every delivery of the phase, warm-up included (what the server did while probed). */
  deliveries: number;
}

/** Deliveries per second over `broadcasts` broadcasts after `warmup`, at most 32 in flight. */
export function saturate(crowd: Crowd, warmup: number, broadcasts: number): Promise<Saturation> {
  const n = crowd.subscribers.length;
  const total = warmup + broadcasts;
  const base = nextBase;
  nextBase += total;
  const arrivals = new Uint32Array(total);
  let sent = 0;
  let measuredDone = 0;
  let inFlight = 0;
  let tStart = 0;
  let tEnd = 0;
  let lastProgress = performance.now();
  return new Promise((resolve) => {
    const finish = (complete: boolean) => {
      clearInterval(watchdog);
      crowd.onDelivery = () => {};
      const end = complete ? tEnd : performance.now();
      const seconds = Math.max(1e-6, (end - tStart) / 1000);
      const delivered = complete ? broadcasts * n : measuredDeliveries();
      let deliveries = 0;
      for (const a of arrivals) deliveries += a;
      resolve({
        deliveriesPerSecond: delivered / seconds,
        broadcastsPerSecond: delivered / n / seconds,
        complete,
        deliveries,
      });
    };
    const measuredDeliveries = () => {
      let sum = 0;
      for (let k = warmup; k < total; k++) sum += arrivals[k] as number;
      return sum;
    };
    const pump = () => {
      while (inFlight < MAX_IN_FLIGHT && sent < total) {
        if (sent === warmup) tStart = performance.now();
        crowd.publish(base + sent);
        sent++;
        inFlight++;
      }
    };
    crowd.onDelivery = (index) => {
      const k = index - base;
      if (k < 0 || k >= total) return;
      const count = (arrivals[k] as number) + 1;
      arrivals[k] = count;
      if (count !== n) return;
      inFlight--;
      lastProgress = performance.now();
      if (k >= warmup && ++measuredDone === broadcasts) {
        tEnd = lastProgress;
        finish(true);
        return;
      }
      pump();
    };
    const watchdog = setInterval(() => {
      if (performance.now() - lastProgress > STALL_MS) finish(false);
    }, 500);
    pump();
  });
}

export interface LatencyResult {
  rate: number;
  p50: number;
  p99: number;
  /** Deliveries that never arrived within the drain bound. */
  missing: number;
}

/** p50/p99 publish-to-delivery at `rate` broadcasts/s for `seconds` after a 1 s warm-up. */
export async function fixedRate(
  crowd: Crowd,
  rate: number,
  seconds: number,
): Promise<LatencyResult> {
  const n = crowd.subscribers.length;
  const warmupCount = Math.ceil(rate);
  const total = Math.floor(rate * (1 + seconds));
  const base = nextBase;
  nextBase += total;
  const hist = new LatencyHistogram();
  crowd.onDelivery = (index, t) => {
    const k = index - base;
    if (k >= warmupCount && k < total) hist.record(performance.now() - t);
  };
  const sent = await paced(rate, (1 + seconds) * 1000, (k) => crowd.publish(base + k));
  const expected = Math.max(0, sent - warmupCount) * n;
  await pollUntil(() => hist.count >= expected, 5_000);
  crowd.onDelivery = () => {};
  return {
    rate,
    p50: hist.percentile(50),
    p99: hist.percentile(99),
    missing: expected - hist.count,
  };
}
