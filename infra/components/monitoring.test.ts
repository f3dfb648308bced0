import { describe, expect, it } from "vitest";
import { settingsFor } from "../../contract/index.js";
import { type Json, only, renderComponents } from "../testing/components.js";
import { validateKubeObject } from "../testing/kube-schema.js";
import { alertRuleGroups } from "./alert-rules.js";
import { selectorFor } from "./pod.js";

const redisSelector = {
  ...selectorFor("redis", "prod"),
  "app.kubernetes.io/component": "redis-metrics",
};

async function renderMonitoring(redis: boolean) {
  return renderComponents(async () => {
    const { Monitoring } = await import("./monitoring.js");
    new Monitoring("monitoring", {
      namespace: "wshub",
      namespaceName: "wshub",
      hubSelector: selectorFor("hub", "prod"),
      hubService: "wshub-hub",
      hubMetricsPort: "internal",
      ...(redis
        ? {
            redis: {
              selector: redisSelector,
              service: "wshub-redis-metrics",
              sentinel: true,
              replicas: 3,
              quorum: 2,
            },
          }
        : {}),
      settings: settingsFor("prod"),
      scrapeInterval: "15s",
      ruleLabels: { release: "kube-prometheus-stack" },
      runbookBaseUrl: "docs/runbooks.md",
    });
  });
}

describe("Monitoring", async () => {
  const { objects } = await renderMonitoring(true);

  it("scrapes /metrics on the hub Service's internal port", () => {
    const sm = only(objects, "ServiceMonitor", "wshub-hub") as Json;
    expect(sm.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(sm.spec.selector.matchLabels).toEqual(selectorFor("hub", "prod"));
    expect(sm.spec.endpoints).toEqual([{ port: "internal", path: "/metrics", interval: "15s" }]);
    expect(sm.metadata.labels.release).toBe("kube-prometheus-stack");
  });

  it("scrapes the Redis and Sentinel exporters through their own Service", () => {
    const sm = only(objects, "ServiceMonitor", "wshub-redis") as Json;
    expect(sm.spec.selector.matchLabels).toEqual(redisSelector);
    expect(sm.spec.endpoints.map((e: Json) => e.port)).toEqual([
      "redis-metrics",
      "sentinel-metrics",
    ]);
    for (const o of objects) expect(validateKubeObject(o)).toEqual([]);
  });

  it("ships the hub and Redis rule groups in a PrometheusRule the operator selects", () => {
    const pr = only(objects, "PrometheusRule") as Json;
    expect(pr.metadata.labels.release).toBe("kube-prometheus-stack");
    const expected = alertRuleGroups(settingsFor("prod"), {
      namespace: "wshub",
      hubJob: "wshub-hub",
      redis: { job: "wshub-redis-metrics", sentinel: true, replicas: 3, quorum: 2 },
      runbookBaseUrl: "docs/runbooks.md",
    });
    expect(pr.spec.groups).toEqual(expected);
    expect(pr.spec.groups.map((g: Json) => g.name)).toEqual(["wshub.hub", "wshub.redis"]);
  });

  it("watches no Redis for a managed one", async () => {
    const r = await renderMonitoring(false);
    expect(r.objects.filter((o) => o.metadata.name === "wshub-redis")).toEqual([]);
    const pr = only(r.objects, "PrometheusRule") as Json;
    expect(pr.spec.groups.map((g: Json) => g.name)).toEqual(["wshub.hub"]);
  });
});
