// The alert rules as data, in the monitoring-mixin conventions: `severity` is `critical` (page a
// human now) or `warning` (look during working hours), every alert names its runbook section, and
// every threshold comes from the stack's settings. Pure: the PrometheusRule, the promtool tests and
// docs/runbooks.md all read these objects.

import { METRIC, type StackSettings } from "../../contract/index.js";
import { ERROR_CODES } from "../../service/protocol/index.js";

/** Port names of the Redis and Sentinel exporters (the scrape's `endpoint` label). */
export const REDIS_METRICS_PORT_NAME = "redis-metrics";
export const SENTINEL_METRICS_PORT_NAME = "sentinel-metrics";

/** One Prometheus alerting rule. */
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: "critical" | "warning" };
  annotations: { summary: string; description: string; runbook_url: string };
}

/** A named rule group (one per thing watched). */
export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** What the rules need to know about the deployment. */
export interface AlertTargets {
  namespace: string;
  /** Prometheus `job` of the hub's scrape (the ServiceMonitor's Service name). */
  hubJob: string;
  /**
   * In-cluster Redis: the `job` of its exporters and whether Sentinel runs, or (`cluster`) the
   * Redis Cluster's shape; absent = external.
   */
  redis?: {
    job: string;
    sentinel: boolean;
    replicas: number;
    quorum: number;
    cluster?: { shards: number; replicasPerShard: number };
  };
  /** Base of the runbook links; an anchor per alert is appended. */
  runbookBaseUrl: string;
}

/** Error codes that mean the hub failed (the rest are the client's fault). */
export const SERVER_ERROR_CODES = ["unavailable"] as const;
/** Error codes that mean the client sent something refused (bad frame, auth, rate limit). */
export const CLIENT_ERROR_CODES = ERROR_CODES.filter(
  (c) => !(SERVER_ERROR_CODES as readonly string[]).includes(c),
);

/** The runbook anchor of an alert: its name in lower case (a markdown heading `## Name`). */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}

/** Every rule group for a stack's settings and deployment. */
export function alertRuleGroups(s: StackSettings, t: AlertTargets): RuleGroup[] {
  const ns = `namespace="${t.namespace}"`;
  const a = s.alerts;
  const rule = (
    alert: string,
    severity: AlertRule["labels"]["severity"],
    expr: string,
    forDuration: string,
    summary: string,
    description: string,
  ): AlertRule => ({
    alert,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: {
      summary,
      description,
      runbook_url: `${t.runbookBaseUrl}#${runbookAnchor(alert)}`,
    },
  });
  const rate = (metric: string, extra = "") => `sum(rate(${metric}{${ns}${extra}}[5m]))`;
  const codes = (list: readonly string[]) => `,code=~"${list.join("|")}"`;
  // Frames and connects are the requests a client makes; errors are counted per request.
  const requests = `(${rate(METRIC.messagesIn)} + ${rate(METRIC.connects)})`;
  const hub: AlertRule[] = [
    rule(
      "WshubHubAbsent",
      "critical",
      `absent(up{${ns},job="${t.hubJob}"} == 1)`,
      "5m",
      "no hub pod is up: Prometheus scrapes none",
      "Every WebSocket client is disconnected. Check the Deployment, its pods and the scrape target.",
    ),
    rule(
      "WshubDeliveryLatencyP99High",
      "critical",
      `histogram_quantile(0.99, sum by (le) (rate(${METRIC.deliveryLatency}_bucket{${ns}}[5m]))) > ${a.deliveryP99Ms / 1000}`,
      "10m",
      `p99 delivery latency above the ${a.deliveryP99Ms} ms SLO`,
      "Publish-to-socket p99 over 5 m exceeds the SLO in contract/slo.json.",
    ),
    rule(
      "WshubServerErrorRateHigh",
      "critical",
      `(${rate(METRIC.errors, codes(SERVER_ERROR_CODES))} / ${requests}) > ${a.errorRate}`,
      "10m",
      `server errors above ${a.errorRate * 100} % of requests`,
      "The hub answered `unavailable` (its bus or history failed) to more requests than the SLO allows.",
    ),
    rule(
      "WshubClientErrorRateHigh",
      "warning",
      `(${rate(METRIC.errors, codes(CLIENT_ERROR_CODES))} / ${requests}) > ${a.clientErrorRate}`,
      "30m",
      `client errors above ${a.clientErrorRate * 100} % of requests`,
      "Clients send refused frames (bad requests, rate limits, forbidden channels): a client release or abuse, not a hub failure.",
    ),
    rule(
      "WshubEventLoopSaturated",
      "warning",
      `max by (namespace, pod) (avg_over_time(${METRIC.eventLoopLag}{${ns}}[5m])) > ${a.eventLoopLagMs / 1000}`,
      "10m",
      `a hub pod's event-loop lag p99 stays above ${a.eventLoopLagMs} ms`,
      "The pod's one event loop is saturated (CPU limit, a hot channel or GC): latency grows for all its sockets.",
    ),
    rule(
      "WshubRedisUnreachable",
      "critical",
      `max by (namespace, pod) (${METRIC.redisUp}{${ns}}) == 0`,
      "2m",
      "a hub pod has lost its Redis bus",
      "Cross-node delivery stops on that pod; it is unready until Redis returns.",
    ),
    rule(
      "WshubDisconnectSpike",
      "warning",
      `${rate(METRIC.disconnects)} > ${a.disconnectSpikePerSecond}`,
      // Longer than a rollout's drain wave, so only unexplained drops alert.
      "10m",
      `more than ${a.disconnectSpikePerSecond} disconnects/s for 10 m`,
      `Look at ${METRIC.disconnects} by reason.`,
    ),
  ];
  const groups: RuleGroup[] = [{ name: "wshub.hub", rules: hub }];
  if (t.redis) groups.push({ name: "wshub.redis", rules: redisRules(t.redis, ns, rule) });
  return groups;
}

type RuleFactory = (
  alert: string,
  severity: AlertRule["labels"]["severity"],
  expr: string,
  forDuration: string,
  summary: string,
  description: string,
) => AlertRule;

// redis_exporter metrics: one exporter beside each Redis and (Sentinel mode) each Sentinel.
function redisRules(
  r: NonNullable<AlertTargets["redis"]>,
  ns: string,
  rule: RuleFactory,
): AlertRule[] {
  // Both exporters sit behind one Service; the operator labels each scrape with its port name.
  const sel = `${ns},job="${r.job}",endpoint="${REDIS_METRICS_PORT_NAME}"`;
  const sentinelSel = `${ns},job="${r.job}",endpoint="${SENTINEL_METRICS_PORT_NAME}"`;
  const rules = [
    rule(
      "WshubRedisMetricsAbsent",
      "warning",
      `absent(redis_up{${sel}})`,
      "10m",
      "no Redis exporter is scraped",
      "Redis health is not watched: check the exporter containers and the Redis ServiceMonitor.",
    ),
    rule(
      "WshubRedisInstanceDown",
      r.sentinel || r.cluster ? "warning" : "critical",
      `max by (namespace, pod) (redis_up{${sel}}) == 0`,
      "2m",
      "a Redis instance does not answer its exporter",
      "The pod's Redis is down or loading its data for too long.",
    ),
    rule(
      "WshubRedisMemoryNearLimit",
      "warning",
      `max by (namespace, pod) (redis_memory_used_bytes{${sel}} / (redis_memory_max_bytes{${sel}} > 0)) > 0.9`,
      "10m",
      "Redis uses over 90 % of its maxmemory",
      "With noeviction Redis refuses writes when full: raise the memory limit or lower history retention.",
    ),
  ];
  if (r.cluster) return [...rules, ...clusterRules(r.cluster, sel, rule)];
  if (!r.sentinel) return rules;
  return [
    ...rules,
    rule(
      "WshubRedisNoPrimary",
      "critical",
      `(count(redis_instance_info{${sel},role="master"} and on (namespace, pod) redis_up{${sel}} == 1) or vector(0)) < 1`,
      "2m",
      "no Redis primary is up",
      "Publishes are refused: Sentinel has not promoted a replica. Check the Sentinels' view and quorum.",
    ),
    rule(
      "WshubRedisReplicasMissing",
      "warning",
      `min(redis_sentinel_master_ok_slaves{${sentinelSel}}) < ${r.replicas - 1}`,
      "10m",
      `fewer than ${r.replicas - 1} healthy Redis replicas`,
      "A replica is down or out of sync: one more loss stops writes (min-replicas-to-write) or failover.",
    ),
    rule(
      "WshubSentinelQuorumAtRisk",
      "critical",
      `min(redis_sentinel_master_ok_sentinels{${sentinelSel}}) < ${r.quorum}`,
      "5m",
      `fewer than ${r.quorum} Sentinels agree: no failover is possible`,
      "A primary failure now would not be repaired. Restore the missing Sentinel pods.",
    ),
  ];
}

/** Every hash slot of a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

// redis_exporter reads CLUSTER INFO on a cluster node: redis_cluster_state (1 = ok) and
// redis_cluster_slots_ok (slots whose primary is reachable) per pod.
function clusterRules(
  c: { shards: number; replicasPerShard: number },
  sel: string,
  rule: RuleFactory,
): AlertRule[] {
  return [
    rule(
      "WshubRedisClusterStateNotOk",
      "critical",
      `min by (namespace, pod) (redis_cluster_state{${sel}}) == 0`,
      "2m",
      "a Redis Cluster node reports cluster_state fail",
      "That node refuses its slots' commands (CLUSTERDOWN): it cannot reach a majority of primaries, or the cluster never formed (see the bootstrap Job).",
    ),
    rule(
      "WshubRedisClusterSlotsNotServed",
      "critical",
      `(max(redis_cluster_slots_ok{${sel}}) or vector(0)) < ${CLUSTER_SLOTS}`,
      "2m",
      `fewer than ${CLUSTER_SLOTS} hash slots have a reachable primary`,
      "Channels hashed to the missing slots cannot publish or deliver: a shard lost its primary and no replica took over.",
    ),
    rule(
      "WshubRedisClusterReplicasMissing",
      "warning",
      `min(redis_connected_slaves{${sel}} and on (namespace, pod) redis_instance_info{${sel},role="master"}) < ${c.replicasPerShard}`,
      "10m",
      `a Redis Cluster primary has fewer than ${c.replicasPerShard} connected replicas`,
      "One more loss in that shard leaves its channels without a primary (and REDIS_MIN_REPLICAS publishes unacknowledged).",
    ),
  ];
}
