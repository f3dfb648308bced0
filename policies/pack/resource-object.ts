// Turns a Pulumi Kubernetes resource (type token + props) into a plain Kubernetes object.
import { rec } from "../manifest-fields.js";
import type { K8sObject } from "../types.js";

// kubernetes:<group>/<version>:<Kind>; the core group is spelled "core" in Pulumi tokens.
const K8S_TYPE = /^kubernetes:([^:/]+)\/([^:/]+):([A-Z][A-Za-z0-9]*)$/;

/** apiVersion and kind for a Pulumi Kubernetes type token; undefined for other resources. */
export function kubernetesKindOf(type: string): { apiVersion: string; kind: string } | undefined {
  const m = K8S_TYPE.exec(type);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  // Patch resources hold partial objects: checking them would report fields they leave alone.
  if (m[3].endsWith("Patch") || m[3].endsWith("List")) return undefined;
  return { apiVersion: m[1] === "core" ? m[2] : `${m[1]}/${m[2]}`, kind: m[3] };
}

/**
 * The object a Pulumi Kubernetes resource creates. `props` may be the policy SDK's proxy that
 * throws on values unknown during preview, so it is read lazily, never deep-copied.
 */
export function objectFromResource(
  type: string,
  props: Record<string, unknown>,
  logicalName: string,
): K8sObject | undefined {
  const kind = kubernetesKindOf(type);
  if (kind === undefined) return undefined;
  const metadata = rec(props.metadata) ?? {};
  // Auto-named resources have no metadata.name in their inputs: the logical name stands in.
  const name = typeof metadata.name === "string" ? metadata.name : logicalName;
  return { ...props, ...kind, metadata: { ...metadata, name } };
}
