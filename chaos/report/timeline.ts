import { percentile, type Recording } from "../recording.js";

/** One second of a run, as the chart plots it. */
export interface TimelinePoint {
  /** Seconds since the run started. */
  second: number;
  deliveries: number;
  /** Clients connected at the end of this second. */
  connected: number;
  /** p99 delivery latency of this second's messages (ms); null when none arrived. */
  p99Ms: number | null;
}

/** A fault as the report shows it: times in ms since the run started. */
export interface FaultMark {
  label: string;
  atMs: number;
  endMs?: number;
}

/** Buckets a recording per second: deliveries, connected clients and p99 latency. */
export function timeline(recording: Recording, maxSeconds = 3600): TimelinePoint[] {
  const start = recording.startedAt;
  const seconds = Math.min(maxSeconds, Math.max(1, Math.ceil((recording.endedAt - start) / 1000)));
  const deliveries = new Array<number>(seconds).fill(0);
  const latencies: number[][] = Array.from({ length: seconds }, () => []);
  const delta = new Array<number>(seconds).fill(0);
  const bucket = (t: number) => Math.min(seconds - 1, Math.max(0, Math.floor((t - start) / 1000)));
  for (const client of recording.clients) {
    let connected = false;
    for (const e of client.events) {
      if (e.type === "msg") {
        const b = bucket(e.t);
        deliveries[b]! += 1;
        if (e.latencyMs !== undefined) latencies[b]!.push(e.latencyMs);
      } else if (e.type === "open" && !connected) {
        connected = true;
        delta[bucket(e.t)]! += 1;
      } else if (e.type === "close" && connected) {
        connected = false;
        delta[bucket(e.t)]! -= 1;
      }
    }
  }
  let connected = 0;
  return deliveries.map((count, second) => {
    connected += delta[second]!;
    const lat = latencies[second]!;
    return {
      second,
      deliveries: count,
      connected,
      p99Ms: lat.length ? Math.round(percentile(lat, 99) * 10) / 10 : null,
    };
  });
}

/** p50/p99 delivery latency (ms) over the run, or over deliveries in [from, to] (epoch ms). */
export function latencySummary(
  recording: Recording,
  window: { from?: number; to?: number } = {},
): { p50Ms: number; p99Ms: number; n: number } {
  const from = window.from ?? Number.NEGATIVE_INFINITY;
  const to = window.to ?? Number.POSITIVE_INFINITY;
  const all: number[] = [];
  for (const client of recording.clients) {
    if (client.misbehaving) continue;
    for (const e of client.events) {
      if (e.type === "msg" && e.latencyMs !== undefined && e.t >= from && e.t <= to) {
        all.push(e.latencyMs);
      }
    }
  }
  const round = (v: number) => (Number.isNaN(v) ? 0 : Math.round(v * 10) / 10);
  return { p50Ms: round(percentile(all, 50)), p99Ms: round(percentile(all, 99)), n: all.length };
}
