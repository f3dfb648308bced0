import { rec, str } from "../manifest-fields.js";
import { containersOf, describeContainer, podTemplateOf } from "../pod-template.js";
import { defineRule, type Violation } from "../types.js";

const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";
const APPARMOR_TYPES = new Set(["RuntimeDefault", "Localhost"]);
// The SELinux types Pod Security lets a container run as: the runtime's confined domains.
const SELINUX_TYPES = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
]);

/** Problems with one securityContext's appArmorProfile and seLinuxOptions. */
function contextProblems(securityContext: unknown, who: string, path: string): Violation[] {
  const sc = rec(securityContext);
  const out: Violation[] = [];
  const appArmor = str(rec(sc?.appArmorProfile)?.type);
  if (appArmor !== undefined && !APPARMOR_TYPES.has(appArmor)) {
    out.push({
      message: `${who} sets AppArmor profile ${appArmor}`,
      path: `${path}.appArmorProfile.type`,
    });
  }
  const selinux = rec(sc?.seLinuxOptions);
  const type = str(selinux?.type);
  if (type !== undefined && !SELINUX_TYPES.has(type)) {
    out.push({ message: `${who} sets SELinux type ${type}`, path: `${path}.seLinuxOptions.type` });
  }
  for (const field of ["user", "role"] as const) {
    const value = str(selinux?.[field]);
    if (value) {
      out.push({
        message: `${who} sets SELinux ${field} ${value}`,
        path: `${path}.seLinuxOptions.${field}`,
      });
    }
  }
  return out;
}

export const lsmProfiles = defineRule({
  id: "wshub-lsm-profiles",
  defaultSeverity: "mandatory",
  title: "AppArmor and SELinux stay confining: no Unconfined profile, no custom SELinux user/role",
  rationale:
    "An Unconfined AppArmor profile or a custom SELinux type, user or role lifts the runtime's mandatory access control.",
  fix: "Use AppArmor RuntimeDefault/Localhost and leave seLinuxOptions.user/role unset with a container_* type.",
  crossObject: false,
  check: (obj) => {
    const pod = podTemplateOf(obj);
    if (!pod) return [];
    const out = contextProblems(pod.spec.securityContext, "the pod", `${pod.path}.securityContext`);
    for (const ref of containersOf(pod)) {
      out.push(
        ...contextProblems(
          ref.container.securityContext,
          describeContainer(ref),
          `${ref.path}.securityContext`,
        ),
      );
    }
    for (const [key, value] of Object.entries(pod.annotations)) {
      if (!key.startsWith(APPARMOR_ANNOTATION)) continue;
      if (value === "runtime/default" || value.startsWith("localhost/")) continue;
      out.push({
        message: `container "${key.slice(APPARMOR_ANNOTATION.length)}" has AppArmor annotation ${value}`,
        path: `${pod.metadataPath}.annotations.${key}`,
      });
    }
    return out;
  },
});
