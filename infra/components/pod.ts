// Pod building blocks shared by the hub and Redis: labels, the restricted security context,
// resources in Kubernetes units.
import type * as k8s from "@pulumi/kubernetes";

type Resources = { cpuMillis?: number; memoryMiB: number };

/** Labels of one component of one stack; the first three also select its pods. */
export function labelsFor(component: "hub" | "redis", stack: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": `wshub-${component}`,
    "app.kubernetes.io/instance": stack,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "wshub",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The subset of labelsFor() that selectors use (stable across label additions). */
export function selectorFor(component: "hub" | "redis", stack: string): Record<string, string> {
  const {
    "app.kubernetes.io/managed-by": _m,
    "app.kubernetes.io/part-of": _p,
    ...sel
  } = labelsFor(component, stack);
  return sel;
}

/** Pod Security Standard `restricted` at pod level, for a fixed non-root uid. */
export function podSecurityContext(uid: number): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Pod Security Standard `restricted` at container level, read-only root filesystem. */
export function containerSecurityContext(uid: number): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Settings' millicores/MiB as a Kubernetes ResourceRequirements. */
export function resourceRequirements(r: {
  requests: Resources;
  limits: Resources;
}): k8s.types.input.core.v1.ResourceRequirements {
  const quantities = (x: Resources): Record<string, string> => ({
    ...(x.cpuMillis === undefined ? {} : { cpu: `${x.cpuMillis}m` }),
    memory: `${x.memoryMiB}Mi`,
  });
  return { requests: quantities(r.requests), limits: quantities(r.limits) };
}
