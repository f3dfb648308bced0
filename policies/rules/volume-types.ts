import { indexedRecs, str } from "../manifest-fields.js";
import { podTemplateOf } from "../pod-template.js";
import { defineRule, type Violation } from "../types.js";

// The volume sources Pod Security "restricted" allows. hostPath has its own rule.
const ALLOWED = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);
const NOT_A_SOURCE = new Set(["name", "hostPath"]);

export const volumeTypes = defineRule({
  id: "wshub-volume-types",
  defaultSeverity: "mandatory",
  title: "Pods use only the volume types Pod Security restricted allows",
  rationale:
    "In-tree sources (nfs, iscsi, rbd, gitRepo...) mount from the node with its credentials and tools; gitRepo runs git as root.",
  fix: "Use configMap, secret, projected, downwardAPI, emptyDir, ephemeral, csi or a persistentVolumeClaim.",
  crossObject: false,
  check: (obj) => {
    const pod = podTemplateOf(obj);
    if (!pod) return [];
    return indexedRecs(pod.spec.volumes).flatMap(([volume, i]): Violation[] =>
      Object.keys(volume)
        .filter((key) => !ALLOWED.has(key) && !NOT_A_SOURCE.has(key))
        .map((key) => ({
          message: `volume "${str(volume.name) ?? `#${i}`}" uses ${key}, which Pod Security restricted forbids`,
          path: `${pod.path}.volumes[${i}].${key}`,
        })),
    );
  },
});
