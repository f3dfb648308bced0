// Safe readers for untrusted manifest fields: a rule never throws on a malformed object.
import type { K8sObject, PolicyOptions } from "./types.js";

export type Rec = Readonly<Record<string, unknown>>;

/** The value as a plain object, or undefined. */
export function rec(value: unknown): Rec | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Rec)
    : undefined;
}

/** The value as an array of plain objects (other entries dropped), or []. */
export function recs(value: unknown): Rec[] {
  if (!Array.isArray(value)) return [];
  return value.map(rec).filter((r): r is Rec => r !== undefined);
}

/** The plain objects of an array with their indexes in it (other entries skipped). */
export function indexedRecs(value: unknown): [Rec, number][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v, i): [Rec, number][] => {
    const r = rec(v);
    return r ? [[r, i]] : [];
  });
}

/** The value as a string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The value as a finite number, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The value as an array of strings (other entries dropped), or []. */
export function strs(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** A string map (labels, annotations, matchLabels); non-string values are dropped. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(value) ?? {})) {
    if (typeof v === "string") out[k] = v;
  }
  return out;
}

export function kindOf(obj: K8sObject): string {
  return str(obj.kind) ?? "";
}

export function apiVersionOf(obj: K8sObject): string {
  return str(obj.apiVersion) ?? "";
}

export function nameOf(obj: K8sObject): string {
  return str(rec(obj.metadata)?.name) ?? "";
}

export function annotationsOf(obj: K8sObject): Record<string, string> {
  return stringMap(rec(obj.metadata)?.annotations);
}

// Kinds that live outside namespaces among those the rules meet; everything else is namespaced.
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "PriorityClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "IngressClass",
  "RuntimeClass",
]);

/** The object's namespace: its own, the default for namespaced kinds, "" for cluster-scoped. */
export function namespaceOf(obj: K8sObject, options: Pick<PolicyOptions, "defaultNamespace">) {
  if (CLUSTER_SCOPED.has(kindOf(obj))) return "";
  return str(rec(obj.metadata)?.namespace) || options.defaultNamespace;
}
