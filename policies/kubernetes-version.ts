// The Kubernetes version the manifests are meant for: APIs removed by it are mandatory findings.

/** A Kubernetes minor release, e.g. { major: 1, minor: 34 }. */
export interface KubernetesVersion {
  readonly major: number;
  readonly minor: number;
}

/** The target when none is given: a current release, so removed APIs fail by default. */
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = Object.freeze({ major: 1, minor: 34 });

/** Parses "1.34", "v1.34" or "1.34.2"; undefined when the text is not a version. */
export function parseKubernetesVersion(text: unknown): KubernetesVersion | undefined {
  if (typeof text !== "string") return undefined;
  const m = /^v?(\d{1,3})\.(\d{1,3})(?:\.\d{1,3})?$/.exec(text.trim());
  if (!m?.[1] || !m[2]) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** True when `a` is the same release as `b` or a later one. */
export function atLeast(a: KubernetesVersion, b: KubernetesVersion): boolean {
  return a.major !== b.major ? a.major > b.major : a.minor >= b.minor;
}

/** "1.34". */
export function formatKubernetesVersion(v: KubernetesVersion): string {
  return `${v.major}.${v.minor}`;
}
