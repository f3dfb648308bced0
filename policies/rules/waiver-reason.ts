import { defineRule, type Violation } from "../types.js";
import { waiversOf } from "../waivers.js";

export const waiverReason = defineRule({
  id: "wshub-waiver-reason",
  defaultSeverity: "mandatory",
  title: "Every waiver names a known rule and gives a reason",
  rationale: "A waiver without a reason cannot be reviewed, and one naming no rule hides a typo.",
  fix: 'Write policies.wshub.dev/waive-<rule-id>: "<why this object may break the rule>".',
  crossObject: false,
  check: (obj, ctx) =>
    waiversOf(obj).flatMap((w): Violation[] => {
      const path = `metadata.annotations["${w.annotation}"]`;
      if (!ctx.knownRuleIds.has(w.ruleId)) {
        return [{ message: `waiver names unknown rule "${w.ruleId}"`, path }];
      }
      return w.reason === ""
        ? [{ message: `waiver of ${w.ruleId} gives no reason, so it waives nothing`, path }]
        : [];
    }),
});
