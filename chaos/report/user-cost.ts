import type { Recording } from "../recording.js";

/** What a fault cost the users of a scenario, read from its recording (all in ms). */
export interface UserCost {
  /** The longest publish-to-delivery delay of any message a well-behaved client received. */
  longestDeliveryDelayMs: number;
  /**
   * The longest a publisher waited without its publish being accepted: a publish the SDK had to
   * retry until its `ok` (sent to ok), or a stretch of refusals (from a refused publish to the
   * next acknowledged publish of the same client, or its last refusal when none followed).
   */
  publishesRefusedMs: number;
  /** The longest time a well-behaved client was without a connection (to the end of the run). */
  longestDisconnectMs: number;
}

/** The bound each cost figure must stay within; absent when the scenario states none. */
export type CostBounds = Partial<Record<keyof UserCost, number>>;

/** The user-visible cost of a run: one place computes it for every report and the summary. */
export function userCost(recording: Recording): UserCost {
  let longestDeliveryDelayMs = 0;
  let longestDisconnectMs = 0;
  for (const client of recording.clients) {
    if (client.misbehaving) continue;
    let closedAt: number | undefined;
    for (const e of client.events) {
      if (e.type === "msg" && e.latencyMs !== undefined)
        longestDeliveryDelayMs = Math.max(longestDeliveryDelayMs, e.latencyMs);
      else if (e.type === "close") closedAt ??= e.t;
      else if (e.type === "open" && closedAt !== undefined) {
        longestDisconnectMs = Math.max(longestDisconnectMs, e.t - closedAt);
        closedAt = undefined;
      }
    }
    if (closedAt !== undefined)
      longestDisconnectMs = Math.max(longestDisconnectMs, recording.endedAt - closedAt);
  }
  return {
    longestDeliveryDelayMs: Math.round(longestDeliveryDelayMs),
    publishesRefusedMs: longestRefusal(recording),
    longestDisconnectMs,
  };
}

function longestRefusal(recording: Recording): number {
  const byClient = new Map<string, { t: number; ok: boolean }[]>();
  const add = (client: string, t: number, ok: boolean) => {
    const list = byClient.get(client) ?? [];
    list.push({ t, ok });
    byClient.set(client, list);
  };
  for (const a of recording.acks) add(a.client, a.sentAt, true);
  for (const f of recording.failures) add(f.client, f.sentAt, false);
  let longest = 0;
  for (const a of recording.acks) longest = Math.max(longest, a.okAt - a.sentAt);
  for (const outcomes of byClient.values()) {
    outcomes.sort((a, b) => a.t - b.t);
    let refusedSince: number | undefined;
    let lastRefusal = 0;
    for (const o of outcomes) {
      if (!o.ok) {
        refusedSince ??= o.t;
        lastRefusal = o.t;
      } else if (refusedSince !== undefined) {
        longest = Math.max(longest, o.t - refusedSince);
        refusedSince = undefined;
      }
    }
    if (refusedSince !== undefined) longest = Math.max(longest, lastRefusal - refusedSince);
  }
  return longest;
}

/** One line for the summary table, e.g. "delay 1.2 s · refused 0 s · disconnected 0.8 s". */
export function costLine(cost: UserCost): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `delay ${s(cost.longestDeliveryDelayMs)} · refused ${s(cost.publishesRefusedMs)} · disconnected ${s(cost.longestDisconnectMs)}`;
}
