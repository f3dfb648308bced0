// The program: turns one InfraConfig into the components. No resources are created on import.
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { HUB_INTERNAL_PORT, HUB_PORT } from "../contract/index.js";
import { Hub, INTERNAL_PORT_NAME } from "./components/hub.js";
import { Monitoring } from "./components/monitoring.js";
import { NetworkPolicies } from "./components/network-policies.js";
import { selectorFor } from "./components/pod.js";
import { bootstrapSelector } from "./components/redis-cluster-bootstrap.js";
import { RedisHa } from "./components/redis-ha.js";
import { VaultSecrets } from "./components/vault-secrets.js";
import type { InfraConfig } from "./config.js";

export const HUB_SERVICE_ACCOUNT = "wshub-hub";
export const REDIS_SERVICE_ACCOUNT = "wshub-redis";

/** Stack outputs. */
export interface StackOutputs {
  namespace: pulumi.Output<string> | string;
  hubService: pulumi.Output<string>;
  vaultPaths: Record<string, string>;
}

/** Creates every resource of one stack. */
export function deployStack(config: InfraConfig): StackOutputs {
  const { stack, settings } = config;
  // Every Kubernetes object goes to the cluster the stack names, never to whatever context the
  // operator's kubectl points at (prod refuses to run without one: config.ts).
  const k = config.kubernetes;
  const provider = k
    ? new k8s.Provider("kubernetes", {
        ...(k.kubeconfig ? { kubeconfig: k.kubeconfig } : {}),
        ...(k.context ? { context: k.context } : {}),
      })
    : undefined;
  const opts: pulumi.ComponentResourceOptions = provider
    ? { providers: { kubernetes: provider } }
    : {};
  const protect = stack === "prod";
  const namespace = config.createNamespace
    ? new k8s.core.v1.Namespace(
        "namespace",
        {
          metadata: {
            name: config.namespace,
            labels: {
              "pod-security.kubernetes.io/enforce": "restricted",
              "pod-security.kubernetes.io/warn": "restricted",
            },
          },
        },
        // Deleting a namespace deletes everything in it, Redis' volumes included: `pulumi destroy`
        // or flipping createNamespace leaves it in the cluster instead.
        { ...(provider ? { provider } : {}), protect, retainOnDelete: true },
      ).metadata.name
    : config.namespace;
  const external = config.redis.external ? config.redis : undefined;
  const inCluster = config.redis.external ? undefined : config.redis;
  const redisTarget = config.redis.external
    ? { external: true as const, url: config.redis.url }
    : config.redis;
  const v = config.vault;
  const clusterBootstrap =
    inCluster && settings.redis.mode === "cluster" ? bootstrapSelector(stack) : undefined;

  const vault = new VaultSecrets(
    "vault",
    {
      stack,
      namespace,
      mode: v.mode,
      address: v.address,
      kvMount: v.kvMount,
      authMount: v.authMount,
      hubServiceAccount: HUB_SERVICE_ACCOUNT,
      redisPasswordGeneration: v.redisPasswordGeneration,
      redisReadsOnce: inCluster?.passwordRotation === "restart",
      audience: v.audience,
      ...(v.plainHttp && new URL(v.address).protocol === "http:"
        ? {}
        : {
            tls: {
              caSecretName: v.caSecretName,
              ...(v.tlsServerName ? { serverName: v.tlsServerName } : {}),
            },
          }),
      ...(external
        ? { redisPassword: external.password }
        : { redisServiceAccount: REDIS_SERVICE_ACCOUNT }),
    },
    opts,
  );

  const redis = new RedisHa(
    "redis",
    {
      stack,
      namespace,
      settings: settings.redis,
      redis: redisTarget,
      serviceAccountName: REDIS_SERVICE_ACCOUNT,
      passwordRotation: {
        mode: inCluster?.passwordRotation ?? "reload",
        generation: v.redisPasswordGeneration,
      },
      protect,
      ...(vault.redis ? { secrets: vault.redis } : {}),
    },
    opts,
  );

  const hub = new Hub(
    "hub",
    {
      stack,
      namespace,
      namespaceName: config.namespace,
      settings,
      image: config.image,
      appVersion: config.appVersion,
      logLevel: config.logLevel,
      allowedOrigins: config.allowedOrigins,
      serviceAccountName: HUB_SERVICE_ACCOUNT,
      redisEnv: redis.hubEnv,
      secrets: vault.hub,
      autoscaling: config.autoscaling,
      ...(config.ingress ? { ingress: config.ingress } : {}),
      proxyHops: config.network.proxyHops,
    },
    opts,
  );

  const hubSelector = selectorFor("hub", stack);
  new NetworkPolicies(
    "network",
    {
      namespace,
      hubSelector,
      hubPort: HUB_PORT,
      hubInternalPort: HUB_INTERNAL_PORT,
      redis: external
        ? { cidr: external.egressCidr, ports: [Number(new URL(external.url).port || 6379)] }
        : {
            selector: selectorFor("redis", stack),
            ports: redis.ports,
            metricsPorts: redis.metricsPorts,
            replicated: redis.peerPorts.length > 0,
            peerPorts: redis.peerPorts,
            ...(clusterBootstrap ? { bootstrap: clusterBootstrap } : {}),
          },
      ingressNamespace: config.network.ingressNamespace,
      monitoringNamespace: config.network.monitoringNamespace,
      dnsNamespace: config.network.dnsNamespace,
      ...(config.network.nodeCidr ? { nodeCidr: config.network.nodeCidr } : {}),
      ...(v.mode === "agent"
        ? {
            vault: {
              clients: external
                ? [hubSelector]
                : [
                    hubSelector,
                    selectorFor("redis", stack),
                    ...(clusterBootstrap ? [clusterBootstrap] : []),
                  ],
              port: v.port,
              ...(v.cidr ? { cidr: v.cidr } : { namespace: v.namespace ?? "vault" }),
            },
          }
        : {}),
    },
    opts,
  );

  new Monitoring(
    "monitoring",
    {
      namespace,
      namespaceName: config.namespace,
      hubSelector,
      hubService: "wshub-hub",
      hubMetricsPort: INTERNAL_PORT_NAME,
      ...(redis.metricsService
        ? {
            redis: {
              selector: redis.metricsSelector,
              service: redis.metricsService,
              sentinel: settings.redis.mode === "sentinel",
              replicas: settings.redis.replicas,
              quorum: settings.redis.sentinelQuorum,
              ...(settings.redis.mode === "cluster" ? { cluster: settings.redis.cluster } : {}),
            },
          }
        : {}),
      settings,
      scrapeInterval: config.monitoring.scrapeInterval,
      ruleLabels: config.monitoring.ruleLabels,
      runbookBaseUrl: config.monitoring.runbookBaseUrl,
    },
    opts,
  );

  return { namespace, hubService: hub.service.metadata.name, vaultPaths: vault.paths };
}
