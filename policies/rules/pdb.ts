import { selects } from "../label-selector.js";
import { kindOf, namespaceOf, num, rec, str } from "../manifest-fields.js";
import { podTemplateOf } from "../pod-template.js";
import { defineRule, type K8sObject, type RuleContext, type Violation } from "../types.js";
import { maxReplicasOf, minReplicasOf } from "../workloads.js";

/** Why a PDB blocks every voluntary eviction of a workload with `replicas`, or undefined. */
function blocksAllEvictions(pdb: K8sObject, replicas: number): string | undefined {
  const spec = rec(pdb.spec);
  const maxUnavailable = spec?.maxUnavailable;
  if (maxUnavailable === 0 || maxUnavailable === "0%") return "maxUnavailable: 0";
  const minAvailable = spec?.minAvailable;
  if (minAvailable === "100%") return "minAvailable: 100%";
  const min = num(minAvailable);
  if (min !== undefined && min >= replicas) return `minAvailable: ${min} with ${replicas} replicas`;
  return undefined;
}

function pdbsFor(obj: K8sObject, ctx: RuleContext, labels: Record<string, string>) {
  const ns = namespaceOf(obj, ctx.options);
  return ctx.objects.filter(
    (o) =>
      kindOf(o) === "PodDisruptionBudget" &&
      namespaceOf(o, ctx.options) === ns &&
      selects(rec(o.spec)?.selector, labels),
  );
}

export const pdb = defineRule({
  id: "wshub-pdb",
  defaultSeverity: "mandatory",
  title: "Every multi-replica workload has a PodDisruptionBudget that still allows evictions",
  rationale:
    "Without a PDB a node drain may evict every replica at once; a PDB allowing none blocks drains forever.",
  fix: "Add a policy/v1 PodDisruptionBudget selecting the pods with maxUnavailable: 1 (or a minAvailable below replicas).",
  crossObject: true,
  check: (obj, ctx) => {
    const max = maxReplicasOf(obj, ctx);
    const pod = podTemplateOf(obj);
    if (max === undefined || max < 2 || pod === undefined) return [];
    const budgets = pdbsFor(obj, ctx, pod.labels);
    if (budgets.length === 0) {
      return [
        { message: `runs up to ${max} replicas and no PodDisruptionBudget selects its pods` },
      ];
    }
    const min = minReplicasOf(obj, ctx) ?? max;
    return budgets.flatMap((b): Violation[] => {
      const why = blocksAllEvictions(b, min);
      const name = str(rec(b.metadata)?.name) ?? "";
      return why
        ? [
            {
              message: `PodDisruptionBudget "${name}" allows no eviction (${why}): node drains hang`,
            },
          ]
        : [];
    });
  },
});
