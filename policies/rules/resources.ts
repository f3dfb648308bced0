import { rec } from "../manifest-fields.js";
import { describeContainer, perContainer } from "../pod-template.js";
import { defineRule } from "../types.js";

function isQuantity(value: unknown): boolean {
  return (typeof value === "string" && value.trim() !== "") || typeof value === "number";
}

export const resources = defineRule({
  id: "wshub-resources",
  defaultSeverity: "mandatory",
  title: "Containers request CPU and memory and limit memory",
  rationale:
    "Without requests the scheduler overpacks nodes; without a memory limit one leak evicts its neighbours.",
  fix: "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory.",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) => {
      // The API rejects resources on ephemeral containers: they share the pod's.
      if (ref.role === "ephemeralContainer") return [];
      const res = rec(ref.container.resources);
      const requests = rec(res?.requests);
      const limits = rec(res?.limits);
      // Kubernetes copies a limit into a missing request, so a limit alone also sets the request.
      const missing = [
        isQuantity(requests?.cpu) || isQuantity(limits?.cpu) ? undefined : "requests.cpu",
        isQuantity(requests?.memory) || isQuantity(limits?.memory) ? undefined : "requests.memory",
        isQuantity(limits?.memory) ? undefined : "limits.memory",
      ].filter((m) => m !== undefined);
      if (missing.length === 0) return [];
      return [
        {
          message: `${describeContainer(ref)} sets no resources ${missing.join(", ")}`,
          path: `${ref.path}.resources`,
        },
      ];
    }),
});
