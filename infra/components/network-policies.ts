// Default deny in both directions for the namespace, then only the flows the hub needs.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

export interface NetworkPoliciesArgs {
  namespace: pulumi.Input<string>;
  hubSelector: Record<string, string>;
  /** Public port (ingress controller only) and internal port (probes and metrics). */
  hubPort: number;
  hubInternalPort: number;
  /** In-cluster Redis pods (with their exporters' ports), or the CIDR of a managed Redis. */
  redis:
    | {
        selector: Record<string, string>;
        ports: number[];
        metricsPorts: number[];
        replicated: boolean;
        /** Ports between Redis pods when they differ from `ports` (a cluster's bus). */
        peerPorts?: number[];
        /** Pods of the cluster's bootstrap Job, which reach Redis like a client. */
        bootstrap?: Record<string, string>;
      }
    | { cidr: string; ports: number[] };
  /** Node addresses, for CNIs that apply policies to kubelet probes too. */
  nodeCidr?: string;
  ingressNamespace: string;
  monitoringNamespace: string;
  dnsNamespace: string;
  /** Pods that talk to Vault themselves (agent mode); none in operator mode. */
  vault?: { clients: Record<string, string>[]; port: number } & (
    | { namespace: string }
    | { cidr: string }
  );
}

const inNamespace = (name: string): Peer => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
});
const tcp = (ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

/** NetworkPolicies: default deny, DNS, ingress → hub (public port), Prometheus → hub and Redis exporters, hub → Redis, Redis ↔ Redis (and its cluster bus), bootstrap Job → Redis, → Vault. */
export class NetworkPolicies extends pulumi.ComponentResource {
  readonly names: string[] = [];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wshub:infra:NetworkPolicies", name, {}, opts);
    const policy = (
      suffix: string,
      spec: k8s.types.input.networking.v1.NetworkPolicySpec,
    ): void => {
      const metaName = `wshub-${suffix}`;
      this.names.push(metaName);
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${suffix}`,
        { metadata: { name: metaName, namespace: args.namespace }, spec },
        { parent: this },
      );
    };
    const hub = { matchLabels: args.hubSelector };

    policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    policy("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              ...inNamespace(args.dnsNamespace),
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    });
    policy("hub-from-ingress", {
      podSelector: hub,
      policyTypes: ["Ingress"],
      ingress: [{ from: [inNamespace(args.ingressNamespace)], ports: tcp([args.hubPort]) }],
    });
    // /metrics, /livez and /readyz live on the internal port: Prometheus (and the kubelet where
    // the CNI filters probes) only, never the ingress controller.
    const scrapers: Peer[] = [
      inNamespace(args.monitoringNamespace),
      ...(args.nodeCidr ? [{ ipBlock: { cidr: args.nodeCidr } }] : []),
    ];
    policy("hub-internal", {
      podSelector: hub,
      policyTypes: ["Ingress"],
      ingress: [{ from: scrapers, ports: tcp([args.hubInternalPort]) }],
    });

    const redisPorts = tcp(args.redis.ports);
    if ("cidr" in args.redis) {
      policy("hub-to-redis", {
        podSelector: hub,
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: args.redis.cidr } }], ports: redisPorts }],
      });
    } else {
      const redis = { matchLabels: args.redis.selector };
      const peerPorts = args.redis.peerPorts ?? args.redis.ports;
      // Ports only peers use (the cluster bus): never open to the hub or the bootstrap Job.
      const peerOnly = peerPorts.filter((p) => !args.redis.ports.includes(p));
      const bootstrap = args.redis.bootstrap && { matchLabels: args.redis.bootstrap };
      policy("hub-to-redis", {
        podSelector: hub,
        policyTypes: ["Egress"],
        egress: [{ to: [{ podSelector: redis }], ports: redisPorts }],
      });
      policy("redis-from-hub", {
        podSelector: redis,
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: args.redis.replicated
              ? [{ podSelector: hub }, { podSelector: redis }]
              : [{ podSelector: hub }],
            ports: redisPorts,
          },
          ...(args.redis.replicated && peerOnly.length > 0
            ? [{ from: [{ podSelector: redis }], ports: tcp(peerOnly) }]
            : []),
          ...(bootstrap ? [{ from: [{ podSelector: bootstrap }], ports: redisPorts }] : []),
        ],
      });
      if (bootstrap) {
        policy("redis-bootstrap-to-redis", {
          podSelector: bootstrap,
          policyTypes: ["Egress"],
          egress: [{ to: [{ podSelector: redis }], ports: redisPorts }],
        });
      }
      policy("redis-from-prometheus", {
        podSelector: redis,
        policyTypes: ["Ingress"],
        ingress: [{ from: scrapers, ports: tcp(args.redis.metricsPorts) }],
      });
      if (args.redis.replicated) {
        policy("redis-to-peers", {
          podSelector: redis,
          policyTypes: ["Egress"],
          egress: [{ to: [{ podSelector: redis }], ports: tcp(peerPorts) }],
        });
      }
    }

    const v = args.vault;
    if (v) {
      const to: Peer = "cidr" in v ? { ipBlock: { cidr: v.cidr } } : inNamespace(v.namespace);
      v.clients.forEach((selector, i) => {
        policy(`vault-egress-${i}`, {
          podSelector: { matchLabels: selector },
          policyTypes: ["Egress"],
          egress: [{ to: [to], ports: tcp([v.port]) }],
        });
      });
    }
    this.registerOutputs({ names: this.names });
  }
}
