import { podTemplateOf } from "../pod-template.js";
import { defineRule } from "../types.js";

const HOST_FIELDS = ["hostNetwork", "hostPID", "hostIPC"] as const;

export const noHostNamespaces = defineRule({
  id: "wshub-no-host-namespaces",
  defaultSeverity: "mandatory",
  title: "Pods do not share the node's network, PID or IPC namespace",
  rationale:
    "Host namespaces let a pod sniff node traffic, signal node processes or read shared memory.",
  fix: "Remove hostNetwork, hostPID and hostIPC from the pod spec.",
  crossObject: false,
  check: (obj) => {
    const pod = podTemplateOf(obj);
    if (!pod) return [];
    return HOST_FIELDS.filter((f) => pod.spec[f] === true).map((f) => ({
      message: `pod sets ${f}: true`,
      path: `${pod.path}.${f}`,
    }));
  },
});
