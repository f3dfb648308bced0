// The program: turns one InfraConfig into the components. No resources are created on import.
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { Hub } from "./components/hub.js";
import { Monitoring } from "./components/monitoring.js";
import { NetworkPolicies } from "./components/network-policies.js";
import { selectorFor } from "./components/pod.js";
import { RedisHa } from "./components/redis-ha.js";
import { VaultSecrets } from "./components/vault-secrets.js";
import type { InfraConfig } from "./config.js";
import { HUB_PORT } from "./settings.js";

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
  const namespace = config.createNamespace
    ? new k8s.core.v1.Namespace("namespace", {
        metadata: {
          name: config.namespace,
          labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
          },
        },
      }).metadata.name
    : config.namespace;
  const external = config.redis.external ? config.redis : undefined;

  const vault = new VaultSecrets("vault", {
    stack,
    namespace,
    mode: config.vault.mode,
    address: config.vault.address,
    kvMount: config.vault.kvMount,
    authMount: config.vault.authMount,
    hubServiceAccount: HUB_SERVICE_ACCOUNT,
    ...(external
      ? { redisPassword: external.password }
      : { redisServiceAccount: REDIS_SERVICE_ACCOUNT }),
  });

  const redis = new RedisHa("redis", {
    stack,
    namespace,
    settings: settings.redis,
    redis: external ? { external: true, url: external.url } : config.redis,
    serviceAccountName: REDIS_SERVICE_ACCOUNT,
    ...(vault.redis ? { secrets: vault.redis } : {}),
  });

  const hub = new Hub("hub", {
    stack,
    namespace,
    settings,
    image: config.image,
    appVersion: config.appVersion,
    logLevel: config.logLevel,
    allowedOrigins: config.allowedOrigins,
    serviceAccountName: HUB_SERVICE_ACCOUNT,
    redisEnv: redis.hubEnv,
    secrets: vault.hub,
    ...(config.ingress ? { ingress: config.ingress } : {}),
    proxyHops: config.network.proxyHops,
  });

  const hubSelector = selectorFor("hub", stack);
  const v = config.vault;
  new NetworkPolicies("network", {
    namespace,
    hubSelector,
    hubPort: HUB_PORT,
    redis: external
      ? { cidr: external.egressCidr, ports: [Number(new URL(external.url).port || 6379)] }
      : {
          selector: selectorFor("redis", stack),
          ports: redis.ports,
          replicated: settings.redis.mode === "sentinel",
        },
    ingressNamespace: config.network.ingressNamespace,
    monitoringNamespace: config.network.monitoringNamespace,
    dnsNamespace: config.network.dnsNamespace,
    ...(v.mode === "agent"
      ? {
          vault: {
            clients: external ? [hubSelector] : [hubSelector, selectorFor("redis", stack)],
            port: v.port,
            ...(v.cidr ? { cidr: v.cidr } : { namespace: v.namespace ?? "vault" }),
          },
        }
      : {}),
  });

  new Monitoring("monitoring", {
    namespace,
    namespaceName: config.namespace,
    hubSelector,
    settings,
    scrapeInterval: config.monitoring.scrapeInterval,
    ruleLabels: config.monitoring.ruleLabels,
  });

  return { namespace, hubService: hub.service.metadata.name, vaultPaths: vault.paths };
}
