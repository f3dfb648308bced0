import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { settingsFor } from "../../contract/index.js";
import { createMetrics } from "../../service/metrics.js";
import { promtoolTest } from "../testing/promtool.js";
import {
  type AlertRule,
  type AlertTargets,
  alertRuleGroups,
  runbookAnchor,
} from "./alert-rules.js";

const settings = settingsFor("prod");
const targets: AlertTargets = {
  namespace: "wshub",
  hubJob: "wshub-hub",
  redis: { job: "wshub-redis-metrics", sentinel: true, replicas: 3, quorum: 2 },
  runbookBaseUrl: "docs/runbooks.md",
};
const groups = alertRuleGroups(settings, targets);
const rules = groups.flatMap((g) => g.rules);
const byName = (name: string): AlertRule => {
  const r = rules.find((x) => x.alert === name);
  if (!r) throw new Error(`no alert ${name}`);
  return r;
};

const hub = 'namespace="wshub",job="wshub-hub"';
const redis = 'namespace="wshub",job="wshub-redis-metrics",endpoint="redis-metrics"';
const sentinel = 'namespace="wshub",job="wshub-redis-metrics",endpoint="sentinel-metrics"';
const traffic = [
  { series: `wshub_messages_in_total{${hub},pod="a"}`, values: "0+1000x40" },
  { series: `wshub_connects_total{${hub},pod="a"}`, values: "0+0x40" },
];

/** One promtool case: series, then which alerts (with which extra labels) fire at `at`. */
interface Case {
  name: string;
  series: { series: string; values: string }[];
  at?: string;
  alert: string;
  /** Labels the expression keeps, besides severity; `undefined` = the alert must not fire. */
  fires?: Record<string, string>[];
}

const cases: Case[] = [
  {
    name: "every hub target down",
    series: [{ series: `up{${hub},pod="a"}`, values: "1x5 0x30" }],
    alert: "WshubHubAbsent",
    fires: [{}],
  },
  {
    name: "no hub target at all (Deployment gone)",
    series: [{ series: 'up{namespace="other",job="x"}', values: "1x30" }],
    alert: "WshubHubAbsent",
    fires: [{}],
  },
  {
    name: "one hub target up",
    series: [
      { series: `up{${hub},pod="a"}`, values: "0x30" },
      { series: `up{${hub},pod="b"}`, values: "1x30" },
    ],
    alert: "WshubHubAbsent",
  },
  {
    name: "p99 above 800 ms",
    series: [
      { series: `wshub_delivery_latency_seconds_bucket{${hub},le="0.5"}`, values: "0+10x40" },
      { series: `wshub_delivery_latency_seconds_bucket{${hub},le="1"}`, values: "0+100x40" },
      { series: `wshub_delivery_latency_seconds_bucket{${hub},le="+Inf"}`, values: "0+100x40" },
    ],
    alert: "WshubDeliveryLatencyP99High",
    fires: [{}],
  },
  {
    name: "p99 below 800 ms",
    series: [
      { series: `wshub_delivery_latency_seconds_bucket{${hub},le="0.5"}`, values: "0+100x40" },
      { series: `wshub_delivery_latency_seconds_bucket{${hub},le="+Inf"}`, values: "0+100x40" },
    ],
    alert: "WshubDeliveryLatencyP99High",
  },
  {
    name: "1 % of requests answered unavailable",
    series: [
      ...traffic,
      { series: `wshub_errors_total{${hub},pod="a",code="unavailable"}`, values: "0+10x40" },
    ],
    alert: "WshubServerErrorRateHigh",
    fires: [{}],
  },
  {
    name: "one client rate-limited on half its frames is not a server error",
    series: [
      ...traffic,
      { series: `wshub_errors_total{${hub},pod="a",code="unavailable"}`, values: "0x40" },
      { series: `wshub_errors_total{${hub},pod="a",code="rate_limited"}`, values: "0+500x40" },
    ],
    alert: "WshubServerErrorRateHigh",
  },
  {
    name: "half the frames rate-limited is a client problem",
    series: [
      ...traffic,
      { series: `wshub_errors_total{${hub},pod="a",code="rate_limited"}`, values: "0+500x40" },
    ],
    at: "40m",
    alert: "WshubClientErrorRateHigh",
    fires: [{}],
  },
  {
    name: "server errors are not client errors",
    series: [
      ...traffic,
      { series: `wshub_errors_total{${hub},pod="a",code="unavailable"}`, values: "0+500x40" },
    ],
    at: "40m",
    alert: "WshubClientErrorRateHigh",
  },
  {
    name: "one pod's event loop lags 200 ms, the other's 10 ms",
    series: [
      { series: `wshub_event_loop_lag_seconds{${hub},pod="a"}`, values: "0.2x40" },
      { series: `wshub_event_loop_lag_seconds{${hub},pod="b"}`, values: "0.01x40" },
    ],
    alert: "WshubEventLoopSaturated",
    fires: [{ namespace: "wshub", pod: "a" }],
  },
  {
    name: "a hub pod lost Redis",
    series: [
      { series: `wshub_redis_up{${hub},pod="a"}`, values: "0x40" },
      { series: `wshub_redis_up{${hub},pod="b"}`, values: "1x40" },
    ],
    alert: "WshubRedisUnreachable",
    fires: [{ namespace: "wshub", pod: "a" }],
  },
  {
    name: "100 disconnects/s",
    series: [{ series: `wshub_disconnects_total{${hub},reason="x"}`, values: "0+6000x40" }],
    alert: "WshubDisconnectSpike",
    fires: [{}],
  },
  {
    name: "no Redis exporter scraped",
    series: [{ series: `up{${hub},pod="a"}`, values: "1x40" }],
    alert: "WshubRedisMetricsAbsent",
    fires: [
      {
        namespace: "wshub",
        job: "wshub-redis-metrics",
        endpoint: "redis-metrics",
      },
    ],
  },
  {
    name: "Redis in pod 1 down",
    series: [
      { series: `redis_up{${redis},pod="wshub-redis-0"}`, values: "1x40" },
      { series: `redis_up{${redis},pod="wshub-redis-1"}`, values: "0x40" },
      // Its Sentinel still answers: that must not hide the dead Redis.
      { series: `redis_up{${sentinel},pod="wshub-redis-1"}`, values: "1x40" },
    ],
    alert: "WshubRedisInstanceDown",
    fires: [{ namespace: "wshub", pod: "wshub-redis-1" }],
  },
  {
    name: "Redis at 95 % of maxmemory",
    series: [
      { series: `redis_memory_used_bytes{${redis},pod="wshub-redis-0"}`, values: "95x40" },
      { series: `redis_memory_max_bytes{${redis},pod="wshub-redis-0"}`, values: "100x40" },
      { series: `redis_memory_used_bytes{${redis},pod="wshub-redis-1"}`, values: "95x40" },
      { series: `redis_memory_max_bytes{${redis},pod="wshub-redis-1"}`, values: "0x40" },
    ],
    alert: "WshubRedisMemoryNearLimit",
    fires: [{ namespace: "wshub", pod: "wshub-redis-0" }],
  },
  {
    name: "every Redis is a replica",
    series: [0, 1, 2].flatMap((i) => [
      { series: `redis_up{${redis},pod="wshub-redis-${i}"}`, values: "1x40" },
      {
        series: `redis_instance_info{${redis},pod="wshub-redis-${i}",role="slave"}`,
        values: "1x40",
      },
    ]),
    alert: "WshubRedisNoPrimary",
    fires: [{}],
  },
  {
    name: "the primary's Redis is down",
    series: [
      { series: `redis_up{${redis},pod="wshub-redis-0"}`, values: "0x40" },
      { series: `redis_instance_info{${redis},pod="wshub-redis-0",role="master"}`, values: "1x40" },
    ],
    alert: "WshubRedisNoPrimary",
    fires: [{}],
  },
  {
    name: "a primary is up",
    series: [
      { series: `redis_up{${redis},pod="wshub-redis-0"}`, values: "1x40" },
      { series: `redis_instance_info{${redis},pod="wshub-redis-0",role="master"}`, values: "1x40" },
    ],
    alert: "WshubRedisNoPrimary",
  },
  {
    name: "Sentinels see one healthy replica of two",
    series: [
      {
        series: `redis_sentinel_master_ok_slaves{${sentinel},pod="wshub-redis-0"}`,
        values: "1x40",
      },
    ],
    alert: "WshubRedisReplicasMissing",
    fires: [{}],
  },
  {
    name: "Sentinels see both replicas",
    series: [
      {
        series: `redis_sentinel_master_ok_slaves{${sentinel},pod="wshub-redis-0"}`,
        values: "2x40",
      },
    ],
    alert: "WshubRedisReplicasMissing",
  },
  {
    name: "a Sentinel sees only itself",
    series: [
      {
        series: `redis_sentinel_master_ok_sentinels{${sentinel},pod="wshub-redis-0"}`,
        values: "1x40",
      },
      {
        series: `redis_sentinel_master_ok_sentinels{${sentinel},pod="wshub-redis-1"}`,
        values: "3x40",
      },
    ],
    alert: "WshubSentinelQuorumAtRisk",
    fires: [{}],
  },
];

/** The promtool test file entries for the cases, expectations built from the rule objects. */
function promtoolCases(list: readonly Case[]) {
  return list.map((c) => {
    const rule = byName(c.alert);
    return {
      name: c.name,
      interval: "1m",
      input_series: c.series,
      alert_rule_test: [
        {
          eval_time: c.at ?? "30m",
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

describe("alert rules under promtool", () => {
  it("pass promtool check and every firing and quiet case", async () => {
    const r = await promtoolTest(groups, promtoolCases(cases));
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.ok, r.output).toBe(true);
  });

  it("fail promtool when a case expects the opposite (the tests can see red)", async () => {
    const flipped = cases.slice(0, 2).map((c) => ({ ...c, fires: c.fires ? undefined : [{}] }));
    const r = await promtoolTest(groups, promtoolCases(flipped));
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/FAILED/);
  });

  it("has a firing case for every alert of the sentinel stack", () => {
    const fired = new Set(cases.filter((c) => c.fires).map((c) => c.alert));
    expect(rules.map((r) => r.alert).filter((a) => !fired.has(a))).toEqual([]);
  });
});

describe("alert rule conventions", () => {
  it("uses only critical and warning and links each alert to its runbook section", async () => {
    const runbooks = await readFile(new URL("../../docs/runbooks.md", import.meta.url), "utf8");
    const anchors = new Set(
      [...runbooks.matchAll(/^## (\S+)$/gm)].map((m) => runbookAnchor(m[1] ?? "")),
    );
    for (const r of rules) {
      expect(["critical", "warning"]).toContain(r.labels.severity);
      expect(r.annotations.runbook_url).toBe(`docs/runbooks.md#${runbookAnchor(r.alert)}`);
      expect(anchors, `docs/runbooks.md has no "## ${r.alert}"`).toContain(runbookAnchor(r.alert));
    }
  });

  it("reads only metrics the hub exports under these exact names", async () => {
    const m = createMetrics({ version: "test", node: "test" });
    try {
      const exported = new Set((await m.registry.getMetricsAsJSON()).map((x) => x.name));
      const hubRules = groups.find((g) => g.name === "wshub.hub")?.rules ?? [];
      const used = new Set(
        hubRules.flatMap((r) =>
          [...r.expr.matchAll(/\b(wshub_[a-z_]+?)(?:_bucket)?\{/g)].map((x) => x[1]),
        ),
      );
      expect(used.size).toBeGreaterThan(5);
      for (const name of used) expect(exported, name).toContain(name);
    } finally {
      m.stop();
    }
  });

  it("leaves out Redis rules for a managed Redis and Sentinel rules for a single Redis", () => {
    const external = alertRuleGroups(settings, { ...targets, redis: undefined });
    expect(external.map((g) => g.name)).toEqual(["wshub.hub"]);
    const single = alertRuleGroups(settingsFor("dev"), {
      ...targets,
      redis: { job: "x", sentinel: false, replicas: 1, quorum: 1 },
    });
    const names = single.flatMap((g) => g.rules.map((r) => r.alert));
    expect(names).toContain("WshubRedisInstanceDown");
    expect(names).not.toContain("WshubSentinelQuorumAtRisk");
    expect(
      single[1]?.rules.find((r) => r.alert === "WshubRedisInstanceDown")?.labels.severity,
    ).toBe("critical");
  });
});
