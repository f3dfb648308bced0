import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { settingsFor } from "../../contract/index.js";
import { promtoolTest } from "../testing/promtool.js";
import {
  type AlertRule,
  type AlertTargets,
  alertRuleGroups,
  runbookAnchor,
} from "./alert-rules.js";

const settings = settingsFor("prod", { redis: { mode: "cluster" } });
const targets: AlertTargets = {
  namespace: "wshub",
  hubJob: "wshub-hub",
  redis: {
    job: "wshub-redis-metrics",
    sentinel: false,
    replicas: 3,
    quorum: 2,
    cluster: { shards: 3, replicasPerShard: 1 },
  },
  runbookBaseUrl: "docs/runbooks.md",
};
const groups = alertRuleGroups(settings, targets);
const rules = groups.flatMap((g) => g.rules);
const byName = (name: string): AlertRule => {
  const r = rules.find((x) => x.alert === name);
  if (!r) throw new Error(`no alert ${name}`);
  return r;
};

const redis = 'namespace="wshub",job="wshub-redis-metrics",endpoint="redis-metrics"';
const pods = [0, 1, 2, 3, 4, 5].map((i) => `pod="wshub-redis-${i}"`);
// Pods 0-2 primaries, 3-5 their replicas.
const roles = pods.map((p, i) => ({
  series: `redis_instance_info{${redis},${p},role="${i < 3 ? "master" : "slave"}"}`,
  values: "1x40",
}));

interface Case {
  name: string;
  series: { series: string; values: string }[];
  alert: string;
  fires?: Record<string, string>[];
}

const cases: Case[] = [
  {
    name: "one node sees the cluster down",
    series: pods.map((p, i) => ({
      series: `redis_cluster_state{${redis},${p}}`,
      values: i === 4 ? "1x5 0x35" : "1x40",
    })),
    alert: "WshubRedisClusterStateNotOk",
    fires: [{ namespace: "wshub", pod: "wshub-redis-4" }],
  },
  {
    name: "every node sees an ok cluster",
    series: pods.map((p) => ({ series: `redis_cluster_state{${redis},${p}}`, values: "1x40" })),
    alert: "WshubRedisClusterStateNotOk",
  },
  {
    name: "a shard lost its primary and no replica took over",
    series: pods.map((p) => ({
      series: `redis_cluster_slots_ok{${redis},${p}}`,
      values: "16384x5 10923x35",
    })),
    alert: "WshubRedisClusterSlotsNotServed",
    fires: [{}],
  },
  {
    name: "the cluster never formed (no slot assigned)",
    series: pods.map((p) => ({ series: `redis_cluster_slots_ok{${redis},${p}}`, values: "0x40" })),
    alert: "WshubRedisClusterSlotsNotServed",
    fires: [{}],
  },
  {
    name: "a partitioned node sees fewer slots, the others all of them",
    series: pods.map((p, i) => ({
      series: `redis_cluster_slots_ok{${redis},${p}}`,
      values: i === 0 ? "0x40" : "16384x40",
    })),
    alert: "WshubRedisClusterSlotsNotServed",
  },
  {
    name: "a primary lost its replica",
    series: [
      ...roles,
      ...pods.slice(0, 3).map((p, i) => ({
        series: `redis_connected_slaves{${redis},${p}}`,
        values: i === 1 ? "1x5 0x35" : "1x40",
      })),
      ...pods
        .slice(3)
        .map((p) => ({ series: `redis_connected_slaves{${redis},${p}}`, values: "0x40" })),
    ],
    alert: "WshubRedisClusterReplicasMissing",
    fires: [{}],
  },
  {
    name: "every primary has its replica (replicas report 0 of their own)",
    series: [
      ...roles,
      ...pods.map((p, i) => ({
        series: `redis_connected_slaves{${redis},${p}}`,
        values: i < 3 ? "1x40" : "0x40",
      })),
    ],
    alert: "WshubRedisClusterReplicasMissing",
  },
];

function promtoolCases(list: readonly Case[]) {
  return list.map((c) => {
    const rule = byName(c.alert);
    return {
      name: c.name,
      interval: "1m",
      input_series: c.series,
      alert_rule_test: [
        {
          eval_time: "30m",
          alertname: c.alert,
          exp_alerts: (c.fires ?? []).map((labels) => ({
            exp_labels: { ...labels, ...rule.labels },
            exp_annotations: rule.annotations,
          })),
        },
      ],
    };
  });
}

describe("Redis Cluster alert rules under promtool", () => {
  it("pass promtool check and every firing and quiet case", async () => {
    const r = await promtoolTest(groups, promtoolCases(cases));
    expect(r.ok, r.output).toBe(true);
  });

  it("has a firing case for every cluster alert, and no Sentinel alert", () => {
    const names = rules.map((r) => r.alert);
    const clusterAlerts = names.filter((a) => a.startsWith("WshubRedisCluster"));
    expect(clusterAlerts).toHaveLength(3);
    const fired = new Set(cases.filter((c) => c.fires).map((c) => c.alert));
    expect(clusterAlerts.filter((a) => !fired.has(a))).toEqual([]);
    expect(names).not.toContain("WshubSentinelQuorumAtRisk");
    expect(names).not.toContain("WshubRedisNoPrimary");
  });

  it("warns (not pages) when one node is down: its replica takes over", () => {
    expect(byName("WshubRedisInstanceDown").labels.severity).toBe("warning");
    expect(byName("WshubRedisClusterStateNotOk").labels.severity).toBe("critical");
  });

  it("links each cluster alert to its runbook section", async () => {
    const runbooks = await readFile(new URL("../../docs/runbooks.md", import.meta.url), "utf8");
    const anchors = new Set(
      [...runbooks.matchAll(/^## (\S+)$/gm)].map((m) => runbookAnchor(m[1] ?? "")),
    );
    for (const r of rules.filter((x) => x.alert.startsWith("WshubRedisCluster"))) {
      expect(anchors, `docs/runbooks.md has no "## ${r.alert}"`).toContain(runbookAnchor(r.alert));
    }
  });
});
