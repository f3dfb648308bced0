import { indexedRecs, str } from "../manifest-fields.js";
import { podTemplateOf } from "../pod-template.js";
import { defineRule } from "../types.js";

export const noHostPath = defineRule({
  id: "wshub-no-host-path",
  defaultSeverity: "mandatory",
  title: "Pods mount no hostPath volumes",
  rationale:
    "A hostPath mount exposes the node's filesystem (kubelet credentials, container runtime socket).",
  fix: "Use emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret instead of hostPath.",
  crossObject: false,
  check: (obj) => {
    const pod = podTemplateOf(obj);
    if (!pod) return [];
    return indexedRecs(pod.spec.volumes).flatMap(([v, i]) =>
      v.hostPath === undefined
        ? []
        : [
            {
              message: `volume "${str(v.name) ?? `#${i}`}" mounts hostPath`,
              path: `${pod.path}.volumes[${i}].hostPath`,
            },
          ],
    );
  },
});
