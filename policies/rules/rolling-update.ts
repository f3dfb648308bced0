import { kindOf, rec, str } from "../manifest-fields.js";
import { defineRule, type Violation } from "../types.js";
import { maxReplicasOf, minReplicasOf } from "../workloads.js";

/** An int-or-percent field resolved against `replicas` as the controller does; NaN if malformed. */
export function resolveIntOrPercent(
  value: unknown,
  replicas: number,
  round: "up" | "down",
  fallback: number | string,
): number {
  const v = value ?? fallback;
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 ? v : Number.NaN;
  const m = typeof v === "string" ? /^(\d+)%$/.exec(v) : null;
  if (!m?.[1]) return Number.NaN;
  const exact = (Number(m[1]) * replicas) / 100;
  return round === "up" ? Math.ceil(exact) : Math.floor(exact);
}

export const rollingUpdate = defineRule({
  id: "wshub-rolling-update",
  defaultSeverity: "mandatory",
  title: "Rollouts keep pods serving: RollingUpdate with maxUnavailable below replicas",
  rationale: "maxUnavailable >= replicas (or Recreate) lets a rollout take every pod down at once.",
  fix: "Use strategy RollingUpdate with maxUnavailable below replicas (0 or 1) and maxSurge >= 1.",
  crossObject: true,
  check: (obj, ctx) => {
    const kind = kindOf(obj);
    if (kind !== "Deployment" && kind !== "StatefulSet") return [];
    const replicas = minReplicasOf(obj, ctx) ?? 1;
    const spec = rec(obj.spec);
    const strategy = rec(kind === "Deployment" ? spec?.strategy : spec?.updateStrategy);
    const type = str(strategy?.type) ?? "RollingUpdate";
    const strategyPath = kind === "Deployment" ? "spec.strategy" : "spec.updateStrategy";
    if (type !== "RollingUpdate") {
      // An HPA with minReplicas 1 may have scaled out by the time a rollout starts: Recreate
      // then stops every running pod, so the most replicas count, not the fewest.
      const most = maxReplicasOf(obj, ctx) ?? replicas;
      return most >= 2
        ? [
            {
              message: `uses ${type} with up to ${most} replicas: every pod stops together`,
              path: `${strategyPath}.type`,
            },
          ]
        : [];
    }
    const params = rec(strategy?.rollingUpdate);
    // StatefulSets update one pod at a time unless maxUnavailable says otherwise.
    const unavailable = resolveIntOrPercent(
      params?.maxUnavailable,
      replicas,
      "down",
      kind === "Deployment" ? "25%" : 1,
    );
    const out: Violation[] = [];
    const path = `${strategyPath}.rollingUpdate`;
    if (Number.isNaN(unavailable)) {
      out.push({ message: "rollingUpdate.maxUnavailable is not an integer or a percentage", path });
    } else if (
      unavailable >= replicas &&
      replicas >= 1 &&
      !(kind === "StatefulSet" && replicas === 1)
    ) {
      out.push({
        message: `rollingUpdate.maxUnavailable resolves to ${unavailable} with ${replicas} replicas: a rollout may take all pods down`,
        path,
      });
    }
    if (kind === "Deployment") {
      const surge = resolveIntOrPercent(params?.maxSurge, replicas, "up", "25%");
      if (surge === 0 && unavailable === 0) {
        out.push({
          message: "maxSurge and maxUnavailable are both 0: the rollout cannot progress",
          path,
        });
      }
    }
    return out;
  },
});
