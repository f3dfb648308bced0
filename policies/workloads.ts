// Cross-object facts about workloads: how many replicas, which HPA scales them.
import { kindOf, nameOf, namespaceOf, num, rec, str } from "./manifest-fields.js";
import type { K8sObject, RuleContext } from "./types.js";

/** Kinds with a `spec.replicas` an HPA can scale. */
export const SCALABLE_KINDS: ReadonlySet<string> = new Set([
  "Deployment",
  "StatefulSet",
  "ReplicaSet",
  "ReplicationController",
]);

/** The HorizontalPodAutoscalers in the set that target this object (same namespace). */
export function autoscalersOf(obj: K8sObject, ctx: RuleContext): K8sObject[] {
  const ns = namespaceOf(obj, ctx.options);
  return ctx.objects.filter((o) => {
    if (kindOf(o) !== "HorizontalPodAutoscaler") return false;
    const ref = rec(rec(o.spec)?.scaleTargetRef);
    return (
      str(ref?.kind) === kindOf(obj) &&
      str(ref?.name) === nameOf(obj) &&
      namespaceOf(o, ctx.options) === ns
    );
  });
}

/** An HPA's minReplicas (Kubernetes defaults it to 1). */
export function hpaMinReplicas(hpa: K8sObject): number {
  return num(rec(hpa.spec)?.minReplicas) ?? 1;
}

/** An HPA's maxReplicas (required by Kubernetes; 0 when missing so it never counts as many). */
export function hpaMaxReplicas(hpa: K8sObject): number {
  return num(rec(hpa.spec)?.maxReplicas) ?? 0;
}

/**
 * The fewest replicas the workload runs with: an HPA's minReplicas when one targets it (it
 * overrides spec.replicas), else spec.replicas (default 1). Undefined for non-scalable kinds.
 */
export function minReplicasOf(obj: K8sObject, ctx: RuleContext): number | undefined {
  if (!SCALABLE_KINDS.has(kindOf(obj))) return undefined;
  const hpas = autoscalersOf(obj, ctx);
  if (hpas.length > 0) return Math.min(...hpas.map(hpaMinReplicas));
  return num(rec(obj.spec)?.replicas) ?? 1;
}

/** The most replicas the workload may run with: the HPA's maxReplicas or spec.replicas. */
export function maxReplicasOf(obj: K8sObject, ctx: RuleContext): number | undefined {
  if (!SCALABLE_KINDS.has(kindOf(obj))) return undefined;
  const hpas = autoscalersOf(obj, ctx);
  const own = num(rec(obj.spec)?.replicas) ?? 1;
  return Math.max(own, ...hpas.map(hpaMaxReplicas));
}
