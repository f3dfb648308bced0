import { kindOf } from "../manifest-fields.js";
import { defineRule } from "../types.js";
import { autoscalersOf, minReplicasOf } from "../workloads.js";

export const prodReplicas = defineRule({
  id: "wshub-prod-replicas",
  defaultSeverity: "mandatory",
  title: "In prod, Deployments run at least 2 replicas (or an HPA keeps minReplicas >= 2)",
  rationale: "One replica means every rollout, node drain or crash is an outage.",
  fix: "Set spec.replicas >= 2, or the targeting HorizontalPodAutoscaler's minReplicas >= 2.",
  crossObject: true,
  check: (obj, ctx) => {
    if (ctx.options.stack !== "prod" || kindOf(obj) !== "Deployment") return [];
    const min = minReplicasOf(obj, ctx) ?? 1;
    if (min >= 2) return [];
    const byHpa = autoscalersOf(obj, ctx).length > 0;
    return [
      {
        message: byHpa
          ? `its HorizontalPodAutoscaler allows ${min} replica in prod`
          : `runs ${min} replica in prod and no HorizontalPodAutoscaler targets it`,
        path: byHpa ? "spec.minReplicas" : "spec.replicas",
      },
    ];
  },
});
