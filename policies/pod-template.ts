// Where each workload kind keeps its pod, and the containers inside it (init containers too).
import { indexedRecs, kindOf, type Rec, rec, str, stringMap } from "./manifest-fields.js";
import type { K8sObject, Violation } from "./types.js";

/** A pod spec found in an object, with its labels and the path to it (for messages). */
export interface PodTemplate {
  readonly spec: Rec;
  readonly labels: Record<string, string>;
  /** The pod's annotations (the template's, for workloads). */
  readonly annotations: Record<string, string>;
  readonly path: string;
  /** Path to the pod's metadata: `metadata` or `spec.template.metadata`. */
  readonly metadataPath: string;
}

/** Which list of the pod spec a container comes from. */
export type ContainerRole = "container" | "initContainer" | "ephemeralContainer";

/** One container of a pod spec; `init` unless it is a regular, long-running container. */
export interface ContainerRef {
  readonly container: Rec;
  readonly name: string;
  readonly role: ContainerRole;
  /** True for init and ephemeral containers: they take no probes, ports or resources. */
  readonly init: boolean;
  /** e.g. `spec.template.spec.containers[0]`. */
  readonly path: string;
}

const TEMPLATE_KINDS = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "Job",
]);

/** Kinds whose pods run until stopped: probes, drains and availability apply to them. */
export const LONG_RUNNING_KINDS: ReadonlySet<string> = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "Pod",
]);

/** Kinds that carry a pod spec, the ones every container rule applies to. */
export const POD_KINDS: ReadonlySet<string> = new Set([
  ...TEMPLATE_KINDS,
  "CronJob",
  "Pod",
  "PodTemplate",
]);

/** The pod spec of a workload, a bare Pod or a PodTemplate; undefined for other kinds. */
export function podTemplateOf(obj: K8sObject): PodTemplate | undefined {
  const kind = kindOf(obj);
  const spec = rec(obj.spec);
  if (kind === "Pod") {
    const metadata = rec(obj.metadata);
    return (
      spec && {
        spec,
        labels: stringMap(metadata?.labels),
        annotations: stringMap(metadata?.annotations),
        path: "spec",
        metadataPath: "metadata",
      }
    );
  }
  if (kind === "PodTemplate") return fromTemplate(rec(obj.template), "template");
  if (TEMPLATE_KINDS.has(kind)) return fromTemplate(rec(spec?.template), "spec.template");
  if (kind === "CronJob") {
    const job = rec(rec(spec?.jobTemplate)?.spec);
    return fromTemplate(rec(job?.template), "spec.jobTemplate.spec.template");
  }
  return undefined;
}

function fromTemplate(template: Rec | undefined, path: string): PodTemplate | undefined {
  const spec = rec(template?.spec);
  if (spec === undefined) return undefined;
  const metadata = rec(template?.metadata);
  return {
    spec,
    labels: stringMap(metadata?.labels),
    annotations: stringMap(metadata?.annotations),
    path: `${path}.spec`,
    metadataPath: `${path}.metadata`,
  };
}

// Ephemeral containers (kubectl debug) run in the pod with their own securityContext: a
// privileged debug container is as dangerous as a privileged app container.
const CONTAINER_LISTS = [
  ["containers", "container"],
  ["initContainers", "initContainer"],
  ["ephemeralContainers", "ephemeralContainer"],
] as const;

/** Containers, then initContainers, then ephemeralContainers of a pod spec. */
export function containersOf(pod: PodTemplate): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const [field, role] of CONTAINER_LISTS) {
    for (const [container, i] of indexedRecs(pod.spec[field])) {
      const name = str(container.name) ?? `#${i}`;
      const init = role !== "container";
      refs.push({ container, name, role, init, path: `${pod.path}.${field}[${i}]` });
    }
  }
  return refs;
}

/** How a message names a container: `container "hub"`, `initContainer "migrate"`... */
export function describeContainer(ref: ContainerRef): string {
  return `${ref.role} "${ref.name}"`;
}

/**
 * A securityContext field as the kubelet resolves it: the container's value wins over the
 * pod's (for the fields that exist at both levels: runAsUser, runAsNonRoot, seccompProfile...).
 */
export function effectiveSecurity(pod: PodTemplate, ref: ContainerRef, field: string): unknown {
  const own = rec(ref.container.securityContext)?.[field];
  return own !== undefined ? own : rec(pod.spec.securityContext)?.[field];
}

/** The container's own securityContext field (fields that exist only per container). */
export function containerSecurity(ref: ContainerRef, field: string): unknown {
  return rec(ref.container.securityContext)?.[field];
}

/** Runs `check` on every container (and init container) of the object's pod, if it has one. */
export function perContainer(
  obj: K8sObject,
  check: (pod: PodTemplate, ref: ContainerRef) => Violation[],
): Violation[] {
  const pod = podTemplateOf(obj);
  return pod ? containersOf(pod).flatMap((ref) => check(pod, ref)) : [];
}
