import { indexedRecs, rec, str } from "../manifest-fields.js";
import { podTemplateOf } from "../pod-template.js";
import { defineRule, type Violation } from "../types.js";

// The Pod Security baseline's safe set: namespaced per pod, unable to affect the node or
// other pods. Everything else (net.core.*, kernel.msg*, vm.*) is unsafe.
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);

export const safeSysctls = defineRule({
  id: "wshub-safe-sysctls",
  defaultSeverity: "mandatory",
  title: "Pods set only the sysctls Pod Security calls safe",
  rationale:
    "Unsafe sysctls reach the node's kernel or its neighbours (shared memory, network buffers) and are refused by default kubelets.",
  fix: "Remove securityContext.sysctls entries outside the Pod Security baseline's safe list.",
  crossObject: false,
  check: (obj) => {
    const pod = podTemplateOf(obj);
    if (!pod) return [];
    return indexedRecs(rec(pod.spec.securityContext)?.sysctls).flatMap(
      ([sysctl, i]): Violation[] => {
        const name = str(sysctl.name) ?? "";
        if (SAFE_SYSCTLS.has(name)) return [];
        return [
          {
            message: `sets unsafe sysctl ${name || "(unnamed)"}`,
            path: `${pod.path}.securityContext.sysctls[${i}]`,
          },
        ];
      },
    );
  },
});
