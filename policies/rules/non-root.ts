import { num } from "../manifest-fields.js";
import { describeContainer, effectiveSecurity, perContainer } from "../pod-template.js";
import { defineRule } from "../types.js";

export const nonRoot = defineRule({
  id: "wshub-non-root",
  defaultSeverity: "mandatory",
  title: "Containers run as a non-root user",
  rationale: "A process running as UID 0 turns any container escape into root on the node.",
  fix: "Set securityContext.runAsNonRoot: true (and a non-zero runAsUser) at pod or container level.",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (pod, ref) => {
      const user = num(effectiveSecurity(pod, ref, "runAsUser"));
      const path = `${ref.path}.securityContext`;
      if (user === 0) {
        return [{ message: `${describeContainer(ref)} runs as UID 0 (runAsUser: 0)`, path }];
      }
      // Pod Security restricted wants runAsNonRoot: true even with a non-zero runAsUser: only
      // the flag makes the kubelet refuse an image whose USER turns out to be root.
      if (effectiveSecurity(pod, ref, "runAsNonRoot") !== true) {
        return [
          {
            message:
              user === undefined
                ? `${describeContainer(ref)} may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set`
                : `${describeContainer(ref)} sets runAsUser but not runAsNonRoot: true, which Pod Security restricted requires`,
            path,
          },
        ];
      }
      return [];
    }),
});
