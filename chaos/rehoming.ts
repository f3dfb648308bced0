// Where a reconnect storm's time goes, per displaced client: when it saw its node die, when a
// survivor said hello, when its subscriptions were resumed. Pure, over the recording.
import { percentile, type Recording } from "./recording.js";

/** Milliseconds after the node's death (the first close any displaced client saw). */
export interface Rehoming {
  /** Epoch ms of the first close among the displaced clients; undefined when none closed. */
  diedAt: number | undefined;
  /** Displaced clients that closed, opened again after their close, and resubscribed there. */
  closed: number;
  reopened: number;
  resumed: number;
  /** Per phase, p50/p99/max over the displaced clients (ms after `diedAt`). */
  closeSeen: Spread;
  open: Spread;
  resubscribed: Spread;
  /** Reconnect attempts per displaced client (retry events), p50/p99/max. */
  attempts: Spread;
}

export interface Spread {
  p50: number;
  p99: number;
  max: number;
}

function spread(values: number[]): Spread {
  if (values.length === 0) return { p50: 0, p99: 0, max: 0 };
  return {
    p50: Math.round(percentile(values, 50)),
    p99: Math.round(percentile(values, 99)),
    max: Math.round(Math.max(...values)),
  };
}

/** The re-homing of `displaced` clients after a fault at `faultAt` (epoch ms). */
export function rehoming(recording: Recording, displaced: Set<string>, faultAt: number): Rehoming {
  const phases = { close: [] as number[], open: [] as number[], sub: [] as number[] };
  const attempts: number[] = [];
  for (const client of recording.clients) {
    if (!displaced.has(client.id)) continue;
    const after = client.events.filter((e) => e.t >= faultAt);
    const close = after.find((e) => e.type === "close");
    attempts.push(after.filter((e) => e.type === "retry").length);
    if (!close) continue;
    phases.close.push(close.t);
    const open = after.find((e) => e.type === "open" && e.t >= close.t);
    if (!open) continue;
    phases.open.push(open.t);
    const sub = after.find((e) => e.type === "subscribed" && e.t >= open.t);
    if (sub) phases.sub.push(sub.t);
  }
  const diedAt = phases.close.length ? Math.min(...phases.close) : undefined;
  const since = (ts: number[]) => (diedAt === undefined ? [] : ts.map((t) => t - diedAt));
  return {
    diedAt,
    closed: phases.close.length,
    reopened: phases.open.length,
    resumed: phases.sub.length,
    closeSeen: spread(since(phases.close)),
    open: spread(since(phases.open)),
    resubscribed: spread(since(phases.sub)),
    attempts: spread(attempts),
  };
}

/** "p50/p99/max" for a report figure. */
export function spreadFigure(s: Spread): string {
  return `${s.p50}/${s.p99}/${s.max}`;
}
