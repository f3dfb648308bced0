// Waivers: an annotation on the object names the rule and, as its value, the reason.
import { annotationsOf } from "./manifest-fields.js";
import type { K8sObject } from "./types.js";

/** `policies.wshub.dev/waive-<rule-id>: "<reason>"` waives that rule for this object. */
export const WAIVER_PREFIX = "policies.wshub.dev/waive-";

/** One waiver annotation as written on an object. */
export interface Waiver {
  readonly ruleId: string;
  readonly reason: string;
  readonly annotation: string;
}

/** Every waiver annotation on the object, valid or not. */
export function waiversOf(obj: K8sObject): Waiver[] {
  return Object.entries(annotationsOf(obj))
    .filter(([key]) => key.startsWith(WAIVER_PREFIX))
    .map(([annotation, value]) => ({
      ruleId: annotation.slice(WAIVER_PREFIX.length),
      reason: value.trim(),
      annotation,
    }));
}

/** The reason that waives `ruleId` for this object; undefined when none (or no reason given). */
export function waiverReason(obj: K8sObject, ruleId: string): string | undefined {
  const waiver = waiversOf(obj).find((w) => w.ruleId === ruleId);
  return waiver && waiver.reason !== "" ? waiver.reason : undefined;
}
