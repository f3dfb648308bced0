import { describe, expect, it } from "vitest";
import { type Json, renderComponents } from "../testing/components.js";
import { allows, type Endpoint } from "../testing/network-flows.js";
import type { NetworkPoliciesArgs } from "./network-policies.js";
import { labelsFor, selectorFor } from "./pod.js";

const ns = "wshub";
const hub: Endpoint = { pod: labelsFor("hub", "prod"), namespace: ns };
const redis: Endpoint = { pod: labelsFor("redis", "prod"), namespace: ns };
const other: Endpoint = { pod: { app: "debug" }, namespace: ns };
const ingress: Endpoint = { pod: { app: "ingress-nginx" }, namespace: "ingress-nginx" };
const prometheus: Endpoint = { pod: { app: "prometheus" }, namespace: "monitoring" };
const dns: Endpoint = { pod: { "k8s-app": "kube-dns" }, namespace: "kube-system" };
const vault: Endpoint = { pod: { app: "vault" }, namespace: "vault" };
const elsewhere: Endpoint = { pod: { app: "x" }, namespace: "team-b" };
const internet: Endpoint = { ip: "93.184.216.34" };

const baseArgs: NetworkPoliciesArgs = {
  namespace: ns,
  hubSelector: selectorFor("hub", "prod"),
  hubPort: 8080,
  hubInternalPort: 9091,
  redis: {
    selector: selectorFor("redis", "prod"),
    ports: [6379, 26379],
    metricsPorts: [9121, 9122],
    replicated: true,
  },
  ingressNamespace: "ingress-nginx",
  monitoringNamespace: "monitoring",
  dnsNamespace: "kube-system",
  vault: {
    clients: [selectorFor("hub", "prod"), selectorFor("redis", "prod")],
    port: 8200,
    namespace: "vault",
  },
};

async function renderPolicies(args: Partial<NetworkPoliciesArgs> = {}) {
  const { objects } = await renderComponents(async () => {
    const { NetworkPolicies } = await import("./network-policies.js");
    new NetworkPolicies("net", { ...baseArgs, ...args });
  });
  return objects;
}

describe("NetworkPolicies", async () => {
  const objects = await renderPolicies();

  it("denies all ingress and egress in the namespace by default", () => {
    const deny = objects.find((o) => o.metadata.name === "wshub-default-deny") as Json;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(allows(objects, other, hub, 8080)).toBe(false);
    expect(allows(objects, other, internet, 443)).toBe(false);
    expect(allows(objects, elsewhere, redis, 6379)).toBe(false);
  });

  it.each([
    ["ingress controller → hub:8080", ingress, hub, 8080],
    ["prometheus → hub:9091 (/metrics on the internal port)", prometheus, hub, 9091],
    ["prometheus → redis exporter:9121", prometheus, redis, 9121],
    ["prometheus → sentinel exporter:9122", prometheus, redis, 9122],
    ["hub → redis:6379", hub, redis, 6379],
    ["hub → sentinel:26379", hub, redis, 26379],
    ["redis → redis:6379 (replication)", redis, redis, 6379],
    ["redis → sentinel:26379 (gossip)", redis, redis, 26379],
    ["hub → vault:8200", hub, vault, 8200],
    ["redis (agent) → vault:8200", redis, vault, 8200],
  ] as const)("allows %s", (_name, from, to, port) => {
    expect(allows(objects, from, to, port)).toBe(true);
  });

  it("allows DNS over UDP and TCP to kube-dns only", () => {
    for (const from of [hub, redis]) {
      expect(allows(objects, from, dns, 53, "UDP")).toBe(true);
      expect(allows(objects, from, dns, 53, "TCP")).toBe(true);
    }
    expect(allows(objects, hub, { pod: { app: "x" }, namespace: "kube-system" }, 53, "UDP")).toBe(
      false,
    );
  });

  it.each([
    ["ingress controller → redis", ingress, redis, 6379],
    ["ingress controller → hub on another port", ingress, hub, 9090],
    ["ingress controller → hub's internal port (/metrics, /readyz)", ingress, hub, 9091],
    ["prometheus → hub's public port", prometheus, hub, 8080],
    ["another namespace → hub's internal port", elsewhere, hub, 9091],
    ["ingress controller → redis exporter", ingress, redis, 9121],
    ["prometheus → redis", prometheus, redis, 6379],
    ["redis → hub", redis, hub, 8080],
    ["hub → hub", hub, hub, 8080],
    ["hub → the internet", hub, internet, 443],
    ["hub → redis on another port", hub, redis, 6380],
    ["another namespace → hub", elsewhere, hub, 8080],
    ["hub → vault on another port", hub, vault, 8201],
  ] as const)("denies %s", (_name, from, to, port) => {
    expect(allows(objects, from, to, port)).toBe(false);
  });

  it("reaches a managed Redis and an outside Vault only through their CIDRs", async () => {
    const external = await renderPolicies({
      redis: { cidr: "10.20.0.0/16", ports: [6380] },
      vault: { clients: [selectorFor("hub", "prod")], port: 8200, cidr: "10.30.0.0/24" },
    });
    expect(allows(external, hub, { ip: "10.20.1.5" }, 6380)).toBe(true);
    expect(allows(external, hub, { ip: "10.21.1.5" }, 6380)).toBe(false);
    expect(allows(external, hub, { ip: "10.30.0.9" }, 8200)).toBe(true);
    expect(allows(external, hub, vault, 8200)).toBe(false);
    expect(external.some((o) => o.metadata.name.startsWith("wshub-redis-"))).toBe(false);
  });

  it("has no Vault egress in operator mode (the operator talks to Vault) and no peer flows for one Redis", async () => {
    const { vault: _v, ...noVault } = baseArgs;
    const single = await renderComponents(async () => {
      const { NetworkPolicies } = await import("./network-policies.js");
      new NetworkPolicies("net", {
        ...noVault,
        redis: {
          selector: selectorFor("redis", "prod"),
          ports: [6379],
          metricsPorts: [9121],
          replicated: false,
        },
      });
    });
    expect(allows(single.objects, hub, vault, 8200)).toBe(false);
    expect(allows(single.objects, redis, redis, 6379)).toBe(false);
    expect(allows(single.objects, hub, redis, 6379)).toBe(true);
    expect(allows(single.objects, hub, redis, 26379)).toBe(false);
  });

  it("lets the kubelet reach the internal port from the node CIDR when asked", async () => {
    const withNodes = await renderPolicies({ nodeCidr: "10.0.0.0/16" });
    expect(allows(withNodes, { ip: "10.0.3.4" }, hub, 9091)).toBe(true);
    expect(allows(withNodes, { ip: "10.0.3.4" }, hub, 8080)).toBe(false);
    expect(allows(objects, { ip: "10.0.3.4" }, hub, 9091)).toBe(false);
  });
});
