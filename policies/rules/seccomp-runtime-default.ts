import { rec, str } from "../manifest-fields.js";
import { describeContainer, effectiveSecurity, perContainer } from "../pod-template.js";
import { defineRule } from "../types.js";

// Localhost profiles are operator-written and at least as strict, so they pass too.
const CONFINED = new Set(["RuntimeDefault", "Localhost"]);

export const seccompRuntimeDefault = defineRule({
  id: "wshub-seccomp-runtime-default",
  defaultSeverity: "mandatory",
  title: "Containers run under the RuntimeDefault (or a Localhost) seccomp profile",
  rationale: "Unconfined containers can call every syscall, the usual path of kernel exploits.",
  fix: "Set securityContext.seccompProfile.type: RuntimeDefault at pod level.",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (pod, ref) => {
      const type = str(rec(effectiveSecurity(pod, ref, "seccompProfile"))?.type);
      if (type !== undefined && CONFINED.has(type)) return [];
      return [
        {
          message: `${describeContainer(ref)} has seccomp profile ${type ?? "unset (Unconfined)"}`,
          path: `${pod.path}.securityContext.seccompProfile`,
        },
      ];
    }),
});
