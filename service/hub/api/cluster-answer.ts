// How a cross-node answer reports its reach: `nodes: {answered, expected, missing}` and
// `partial`. A node that did not answer within CONTROL_TIMEOUT_SECONDS (or answered with an
// error) is missing; the totals then leave out what it holds, and `partial` says so.
import type { Gathered } from "../../bus/index.js";

export type Reach = {
  nodes: { answered: number; expected: number; missing: string[] };
  partial: boolean;
};

/** The reach of a gathered answer; failed answers count as missing. */
export function reachOf(g: Gathered): Reach {
  const failed = g.answers.filter((a) => !a.ok).map((a) => a.node);
  const missing = [...g.missing, ...failed].sort();
  return {
    nodes: { answered: g.answers.length - failed.length, expected: g.expected, missing },
    partial: missing.length > 0,
  };
}

/** The sum of one numeric field over the nodes that answered. */
export function sumOf(g: Gathered, field: string): number {
  let total = 0;
  for (const a of g.answers) {
    if (!a.ok || typeof a.body !== "object" || a.body === null) continue;
    const v = (a.body as Record<string, unknown>)[field];
    if (typeof v === "number" && Number.isFinite(v)) total += v;
  }
  return total;
}
