import { kindOf, rec } from "../manifest-fields.js";
import { describeContainer, LONG_RUNNING_KINDS, perContainer } from "../pod-template.js";
import { defineRule } from "../types.js";

export const probes = defineRule({
  id: "wshub-probes",
  defaultSeverity: "mandatory",
  title: "Long-running containers have readiness and liveness probes",
  rationale:
    "Without readiness a draining or cold pod gets traffic; without liveness a hung one is never restarted.",
  fix: "Add readinessProbe (the hub: GET /readyz) and livenessProbe (GET /livez) to each container.",
  crossObject: false,
  check: (obj) => {
    if (!LONG_RUNNING_KINDS.has(kindOf(obj))) return [];
    return perContainer(obj, (_pod, ref) => {
      // Init and ephemeral containers cannot have probes.
      if (ref.init) return [];
      const missing = ["readinessProbe", "livenessProbe"].filter(
        (p) => rec(ref.container[p]) === undefined,
      );
      if (missing.length === 0) return [];
      return [
        { message: `${describeContainer(ref)} has no ${missing.join(" or ")}`, path: ref.path },
      ];
    });
  },
});
