// A small evaluator of Kubernetes NetworkPolicy semantics, so tests can assert flows ("can the
// ingress controller reach Redis?") instead of object shapes.
import type { KubeObject } from "../render.js";

/** A pod (labels + namespace, with the namespace's labels) or an address outside the cluster. */
export type Endpoint = { pod: Record<string, string>; namespace: string } | { ip: string };

type Selector = { matchLabels?: Record<string, string> };
type Peer = { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string } };
type Rule = { from?: Peer[]; to?: Peer[]; ports?: { protocol?: string; port?: number }[] };
type Spec = {
  podSelector: Selector;
  policyTypes: ("Ingress" | "Egress")[];
  ingress?: Rule[];
  egress?: Rule[];
};

const matches = (sel: Selector | undefined, labels: Record<string, string>) =>
  Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

const nsLabels = (namespace: string) => ({ "kubernetes.io/metadata.name": namespace });

function inCidr(ip: string, cidr: string): boolean {
  const [base = "", bits = "32"] = cidr.split("/");
  const n = (a: string) => a.split(".").reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (n(ip) & mask) === (n(base) & mask);
}

function peerMatches(peer: Peer, other: Endpoint, policyNamespace: string): boolean {
  if ("ip" in other) return peer.ipBlock !== undefined && inCidr(other.ip, peer.ipBlock.cidr);
  if (peer.ipBlock) return false;
  const nsOk = peer.namespaceSelector
    ? matches(peer.namespaceSelector, nsLabels(other.namespace))
    : other.namespace === policyNamespace;
  return nsOk && (peer.podSelector ? matches(peer.podSelector, other.pod) : true);
}

function allowedBy(
  policies: { namespace: string; spec: Spec }[],
  self: { pod: Record<string, string>; namespace: string },
  direction: "Ingress" | "Egress",
  other: Endpoint,
  port: number,
  protocol: string,
): boolean {
  const selecting = policies.filter(
    (p) =>
      p.namespace === self.namespace &&
      p.spec.policyTypes.includes(direction) &&
      matches(p.spec.podSelector, self.pod),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (direction === "Ingress" ? p.spec.ingress : p.spec.egress)?.some((rule) => {
      const peers = direction === "Ingress" ? rule.from : rule.to;
      const peerOk = !peers || peers.some((peer) => peerMatches(peer, other, p.namespace));
      const portOk =
        !rule.ports ||
        rule.ports.some((r) => (r.protocol ?? "TCP") === protocol && (r.port ?? port) === port);
      return peerOk && portOk;
    }),
  );
}

/** Whether `from` may open a connection to `to` on port/protocol under these policies. */
export function allows(
  objects: readonly KubeObject[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol = "TCP",
): boolean {
  const policies = objects
    .filter((o) => o.kind === "NetworkPolicy")
    .map((o) => ({ namespace: o.metadata.namespace ?? "", spec: o.spec as Spec }));
  const egressOk = "ip" in from || allowedBy(policies, from, "Egress", to, port, protocol);
  const ingressOk = "ip" in to || allowedBy(policies, to, "Ingress", from, port, protocol);
  return egressOk && ingressOk;
}
