// Scaling the hub: an HPA on CPU alone, an HPA that also reads connections per pod from
// prometheus-adapter, or a KEDA ScaledObject that queries Prometheus itself and owns the HPA.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { METRIC, type StackSettings } from "../../contract/index.js";

/** Which source of the connections-per-pod metric the cluster has. */
export type ConnectionsMetric = "cpu" | "prometheus-adapter" | "keda";

export interface HubAutoscalingArgs {
  namespace: pulumi.Input<string>;
  namespaceName: string;
  labels: Record<string, string>;
  deployment: string;
  settings: StackSettings;
  connections: ConnectionsMetric;
  prometheusAddress: string;
}

/** The hub's gauge of open sockets, as the adapter rule and the KEDA query name it. */
export const CONNECTIONS_METRIC = METRIC.connections;

/**
 * The prometheus-adapter rule (its `rules.custom` entry) that serves CONNECTIONS_METRIC as a
 * Pods metric; install the adapter with it before choosing `prometheus-adapter`.
 */
export function adapterRule(): Record<string, unknown> {
  return {
    seriesQuery: `${CONNECTIONS_METRIC}{namespace!="",pod!=""}`,
    resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
    name: { as: CONNECTIONS_METRIC },
    metricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
  };
}

function behavior(s: StackSettings) {
  return {
    // Removing a pod closes its WebSockets: scale down late and one step at a time.
    scaleDown: {
      stabilizationWindowSeconds: s.hpa.scaleDownStabilizationSeconds,
      selectPolicy: "Min",
      policies: [
        { type: "Pods", value: s.hpa.scaleDownPods, periodSeconds: s.hpa.scaleDownPeriodSeconds },
      ],
    },
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: "Max",
      policies: [
        { type: "Percent", value: 100, periodSeconds: 60 },
        { type: "Pods", value: 4, periodSeconds: 60 },
      ],
    },
  };
}

/** HPA (cpu, prometheus-adapter) or KEDA ScaledObject (keda) for the hub Deployment. */
export class HubAutoscaling extends pulumi.ComponentResource {
  constructor(name: string, args: HubAutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wshub:infra:HubAutoscaling", name, {}, opts);
    const s = args.settings;
    const meta = { name: args.deployment, namespace: args.namespace, labels: args.labels };
    const target = { apiVersion: "apps/v1", kind: "Deployment", name: args.deployment };
    if (args.connections === "keda") {
      new k8s.apiextensions.CustomResource(
        `${name}-scaledobject`,
        {
          apiVersion: "keda.sh/v1alpha1",
          kind: "ScaledObject",
          metadata: meta,
          spec: {
            scaleTargetRef: target,
            minReplicaCount: s.hpa.minReplicas,
            maxReplicaCount: s.hpa.maxReplicas,
            advanced: { horizontalPodAutoscalerConfig: { behavior: behavior(s) } },
            triggers: [
              {
                type: "cpu",
                metricType: "Utilization",
                metadata: { value: String(s.hpa.cpuUtilizationPercent) },
              },
              {
                // The total divided by the replica count (AverageValue) is connections per pod.
                type: "prometheus",
                metricType: "AverageValue",
                metadata: {
                  serverAddress: args.prometheusAddress,
                  query: `sum(${CONNECTIONS_METRIC}{namespace="${args.namespaceName}"})`,
                  threshold: String(s.hpa.connectionsPerPod),
                },
              },
            ],
          },
        },
        { parent: this },
      );
      this.registerOutputs({});
      return;
    }
    const cpu = {
      type: "Resource",
      resource: {
        name: "cpu",
        target: { type: "Utilization", averageUtilization: s.hpa.cpuUtilizationPercent },
      },
    };
    const connections = {
      type: "Pods",
      pods: {
        metric: { name: CONNECTIONS_METRIC },
        target: { type: "AverageValue", averageValue: String(s.hpa.connectionsPerPod) },
      },
    };
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-hpa`,
      {
        metadata: meta,
        spec: {
          scaleTargetRef: target,
          minReplicas: s.hpa.minReplicas,
          maxReplicas: s.hpa.maxReplicas,
          // Without an adapter a Pods metric never resolves and the HPA never scales down.
          metrics: args.connections === "prometheus-adapter" ? [cpu, connections] : [cpu],
          behavior: behavior(s),
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
