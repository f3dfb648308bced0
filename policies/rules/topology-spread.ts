import { selects } from "../label-selector.js";
import { indexedRecs, rec, str } from "../manifest-fields.js";
import { podTemplateOf } from "../pod-template.js";
import { defineRule } from "../types.js";
import { maxReplicasOf } from "../workloads.js";

/** True when a constraint or anti-affinity term selecting the pod's own labels spreads them. */
function spreads(spec: Record<string, unknown>, labels: Record<string, string>): boolean {
  const constraints = indexedRecs(spec.topologySpreadConstraints).map(([c]) => c);
  if (constraints.some((c) => str(c.topologyKey) && selects(c.labelSelector, labels))) return true;
  const anti = rec(rec(spec.affinity)?.podAntiAffinity);
  const terms = [
    ...indexedRecs(anti?.requiredDuringSchedulingIgnoredDuringExecution).map(([t]) => t),
    ...indexedRecs(anti?.preferredDuringSchedulingIgnoredDuringExecution).map(
      ([t]) => rec(t.podAffinityTerm) ?? {},
    ),
  ];
  return terms.some((t) => str(t.topologyKey) && selects(t.labelSelector, labels));
}

export const topologySpread = defineRule({
  id: "wshub-topology-spread",
  defaultSeverity: "mandatory",
  title: "Multi-replica workloads spread their pods across nodes or zones",
  rationale:
    "Replicas the scheduler packs onto one node all go down with it: the replica count buys no availability.",
  fix: "Add topologySpreadConstraints (topologyKey kubernetes.io/hostname, maxSkew 1) selecting the pods' own labels.",
  crossObject: true,
  check: (obj, ctx) => {
    const replicas = maxReplicasOf(obj, ctx);
    if (replicas === undefined || replicas < 2) return [];
    const pod = podTemplateOf(obj);
    if (!pod || spreads(pod.spec, pod.labels)) return [];
    return [
      {
        message: `runs up to ${replicas} replicas with no topologySpreadConstraints or pod anti-affinity selecting its own pods`,
        path: pod.path,
      },
    ];
  },
});
