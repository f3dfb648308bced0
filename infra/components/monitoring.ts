// Prometheus Operator objects: scrape the hub's internal port and the Redis exporters, alert on
// the SLOs and on what breaks them (rules in alert-rules.ts).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../../contract/index.js";
import {
  type AlertTargets,
  alertRuleGroups,
  REDIS_METRICS_PORT_NAME,
  SENTINEL_METRICS_PORT_NAME,
} from "./alert-rules.js";

export interface MonitoringArgs {
  namespace: pulumi.Input<string>;
  /** Plain namespace name, used inside PromQL selectors. */
  namespaceName: string;
  hubSelector: Record<string, string>;
  /** The hub Service's name (Prometheus' `job`) and the name of its internal port. */
  hubService: string;
  hubMetricsPort: string;
  /** In-cluster Redis: its exporters' Service (selector, name) and topology; absent = external. */
  redis?: {
    selector: Record<string, string>;
    service: string;
    sentinel: boolean;
    replicas: number;
    quorum: number;
    /** A Redis Cluster's shape (its alerts); absent for sentinel/single. */
    cluster?: { shards: number; replicasPerShard: number };
  };
  settings: StackSettings;
  scrapeInterval: string;
  /** Labels the Prometheus ruleSelector / serviceMonitorSelector match. */
  ruleLabels: Record<string, string>;
  runbookBaseUrl: string;
}

/** ServiceMonitors for the hub and Redis, and a PrometheusRule with the alert groups. */
export class Monitoring extends pulumi.ComponentResource {
  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wshub:infra:Monitoring", name, {}, opts);
    const labels = { ...args.hubSelector, ...args.ruleLabels };
    const monitor = (
      id: string,
      metaName: string,
      selector: Record<string, string>,
      ports: string[],
    ) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${id}`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "ServiceMonitor",
          metadata: {
            name: metaName,
            namespace: args.namespace,
            labels: { ...selector, ...args.ruleLabels },
          },
          spec: {
            selector: { matchLabels: selector },
            namespaceSelector: { matchNames: [args.namespaceName] },
            endpoints: ports.map((port) => ({
              port,
              path: "/metrics",
              interval: args.scrapeInterval,
            })),
          },
        },
        { parent: this },
      );
    monitor("servicemonitor", "wshub-hub", args.hubSelector, [args.hubMetricsPort]);
    const r = args.redis;
    if (r) {
      monitor(
        "redis-servicemonitor",
        "wshub-redis",
        r.selector,
        r.sentinel
          ? [REDIS_METRICS_PORT_NAME, SENTINEL_METRICS_PORT_NAME]
          : [REDIS_METRICS_PORT_NAME],
      );
    }
    const targets: AlertTargets = {
      namespace: args.namespaceName,
      hubJob: args.hubService,
      runbookBaseUrl: args.runbookBaseUrl,
      ...(r
        ? {
            redis: {
              job: r.service,
              sentinel: r.sentinel,
              replicas: r.replicas,
              quorum: r.quorum,
              ...(r.cluster ? { cluster: r.cluster } : {}),
            },
          }
        : {}),
    };
    new k8s.apiextensions.CustomResource(
      `${name}-rules`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "wshub-hub", namespace: args.namespace, labels },
        spec: { groups: alertRuleGroups(args.settings, targets) },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
