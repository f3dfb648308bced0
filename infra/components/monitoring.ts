// Prometheus Operator objects: scrape the hub, alert on the SLOs and on what breaks them.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../settings.js";

export interface MonitoringArgs {
  namespace: pulumi.Input<string>;
  /** Plain namespace name, used inside PromQL selectors. */
  namespaceName: string;
  hubSelector: Record<string, string>;
  settings: StackSettings;
  scrapeInterval: string;
  /** Labels the Prometheus ruleSelector / serviceMonitorSelector match. */
  ruleLabels: Record<string, string>;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The alert rules for a stack's settings, as data (tests and docs read them). */
export function alertRules(s: StackSettings, namespace: string): AlertRule[] {
  const sel = `namespace="${namespace}"`;
  const a = s.alerts;
  const limitCores = (s.resources.limits.cpuMillis ?? s.resources.requests.cpuMillis) / 1000;
  const rate = (metric: string) => `sum(rate(${metric}{${sel}}[5m]))`;
  return [
    {
      alert: "WshubDeliveryLatencyP99High",
      expr: `histogram_quantile(0.99, sum by (le) (rate(wshub_delivery_latency_seconds_bucket{${sel}}[5m]))) > ${a.deliveryP99Ms / 1000}`,
      for: "10m",
      labels: { severity: "page" },
      annotations: {
        summary: `p99 delivery latency above the ${a.deliveryP99Ms} ms SLO`,
        description: "Publish-to-socket p99 over 5 m exceeds the SLO in loadtests/slo.json.",
      },
    },
    {
      alert: "WshubErrorRateHigh",
      expr: `(${rate("wshub_errors_total")} / (${rate("wshub_messages_in_total")} + ${rate("wshub_connects_total")})) > ${a.errorRate} and ${rate("wshub_errors_total")} > 0`,
      for: "10m",
      labels: { severity: "page" },
      annotations: {
        summary: `error rate above ${a.errorRate * 100} %`,
        description: "wshub_errors_total per message in and connect, over 5 m.",
      },
    },
    {
      alert: "WshubCpuHigh",
      expr: `max by (pod) (rate(process_cpu_seconds_total{${sel},job=~".*wshub.*"}[5m])) > ${((a.cpuPercent / 100) * limitCores).toFixed(3)}`,
      for: "15m",
      labels: { severity: "warn" },
      annotations: {
        summary: `a hub pod uses over ${a.cpuPercent} % of its CPU limit`,
        description: "Scale out (HPA max) or raise resources; Node serves from one event loop.",
      },
    },
    {
      alert: "WshubRedisDown",
      expr: `max by (pod) (wshub_redis_up{${sel}}) == 0`,
      for: "1m",
      labels: { severity: "page" },
      annotations: {
        summary: "a hub pod has lost its Redis bus",
        description: "Cross-node delivery stops on that pod; it is unready until Redis returns.",
      },
    },
    {
      alert: "WshubDisconnectSpike",
      expr: `${rate("wshub_disconnects_total")} > ${a.disconnectSpikePerSecond}`,
      // Longer than a rollout's drain wave, so only unexplained drops page.
      for: "10m",
      labels: { severity: "warn" },
      annotations: {
        summary: `more than ${a.disconnectSpikePerSecond} disconnects/s for 10 m`,
        description: "Look at wshub_disconnects_total by reason.",
      },
    },
  ];
}

/** ServiceMonitor for the hub's /metrics and a PrometheusRule with the SLO alerts. */
export class Monitoring extends pulumi.ComponentResource {
  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wshub:infra:Monitoring", name, {}, opts);
    const labels = { ...args.hubSelector, ...args.ruleLabels };
    new k8s.apiextensions.CustomResource(
      `${name}-servicemonitor`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "wshub-hub", namespace: args.namespace, labels },
        spec: {
          selector: { matchLabels: args.hubSelector },
          namespaceSelector: { matchNames: [args.namespaceName] },
          endpoints: [{ port: "http", path: "/metrics", interval: args.scrapeInterval }],
        },
      },
      { parent: this },
    );
    new k8s.apiextensions.CustomResource(
      `${name}-rules`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "wshub-hub", namespace: args.namespace, labels },
        spec: {
          groups: [{ name: "wshub.slo", rules: alertRules(args.settings, args.namespaceName) }],
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
