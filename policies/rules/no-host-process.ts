import { rec } from "../manifest-fields.js";
import { containersOf, describeContainer, podTemplateOf } from "../pod-template.js";
import { defineRule, type Violation } from "../types.js";

function hostProcess(securityContext: unknown): boolean {
  return rec(rec(securityContext)?.windowsOptions)?.hostProcess === true;
}

export const noHostProcess = defineRule({
  id: "wshub-no-host-process",
  defaultSeverity: "mandatory",
  title: "No Windows HostProcess containers",
  rationale: "A HostProcess container runs directly on the Windows node with its privileges.",
  fix: "Remove securityContext.windowsOptions.hostProcess (pod and containers).",
  crossObject: false,
  check: (obj) => {
    const pod = podTemplateOf(obj);
    if (!pod) return [];
    const out: Violation[] = [];
    if (hostProcess(pod.spec.securityContext)) {
      out.push({
        message: "runs every container as a HostProcess",
        path: `${pod.path}.securityContext.windowsOptions.hostProcess`,
      });
    }
    for (const ref of containersOf(pod)) {
      if (hostProcess(ref.container.securityContext)) {
        out.push({
          message: `${describeContainer(ref)} runs as a HostProcess`,
          path: `${ref.path}.securityContext.windowsOptions.hostProcess`,
        });
      }
    }
    return out;
  },
});
