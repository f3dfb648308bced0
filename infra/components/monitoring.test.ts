import { describe, expect, it } from "vitest";
import { settingsFor } from "../settings.js";
import { type Json, only, renderComponents } from "../testing/components.js";
import { alertRules } from "./monitoring.js";
import { selectorFor } from "./pod.js";

const rule = (stack: "dev" | "prod", name: string) => {
  const found = alertRules(settingsFor(stack), "wshub").find((r) => r.alert === name);
  if (!found) throw new Error(`no alert ${name}`);
  return found;
};

describe("alertRules", () => {
  it("alerts on p99 delivery latency over the stack's SLO (800 ms in prod)", () => {
    const r = rule("prod", "WshubDeliveryLatencyP99High");
    expect(r.expr).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(wshub_delivery_latency_seconds_bucket{namespace="wshub"}[5m]))) > 0.8',
    );
    expect(rule("dev", "WshubDeliveryLatencyP99High").expr).toMatch(/> 0\.3$/);
  });

  it("alerts on CPU over 80 % of the pod's CPU limit", () => {
    const s = settingsFor("prod");
    const threshold = (0.8 * (s.resources.limits.cpuMillis ?? 0)) / 1000;
    expect(rule("prod", "WshubCpuHigh").expr).toMatch(
      new RegExp(
        `rate\\(process_cpu_seconds_total\\{.*\\}\\[5m\\]\\)\\) > ${threshold.toFixed(3)}$`,
      ),
    );
  });

  it("alerts on the error rate from the SLO, on Redis down and on a disconnect spike", () => {
    expect(rule("prod", "WshubErrorRateHigh").expr).toContain("wshub_errors_total");
    expect(rule("prod", "WshubErrorRateHigh").expr).toContain("> 0.001");
    expect(rule("prod", "WshubRedisDown").expr).toBe(
      'max by (pod) (wshub_redis_up{namespace="wshub"}) == 0',
    );
    expect(rule("prod", "WshubDisconnectSpike").expr).toBe(
      `sum(rate(wshub_disconnects_total{namespace="wshub"}[5m])) > ${settingsFor("prod").alerts.disconnectSpikePerSecond}`,
    );
    for (const r of alertRules(settingsFor("prod"), "wshub")) {
      expect(r.labels.severity).toMatch(/^(page|warn)$/);
      expect(r.annotations.summary).toBeTruthy();
    }
  });
});

describe("Monitoring", async () => {
  const { objects } = await renderComponents(async () => {
    const { Monitoring } = await import("./monitoring.js");
    new Monitoring("monitoring", {
      namespace: "wshub",
      namespaceName: "wshub",
      hubSelector: selectorFor("hub", "prod"),
      settings: settingsFor("prod"),
      scrapeInterval: "15s",
      ruleLabels: { release: "kube-prometheus-stack" },
    });
  });

  it("scrapes /metrics on the hub Service's http port", () => {
    const sm = only(objects, "ServiceMonitor") as Json;
    expect(sm.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(sm.spec.selector.matchLabels).toEqual(selectorFor("hub", "prod"));
    expect(sm.spec.endpoints).toEqual([{ port: "http", path: "/metrics", interval: "15s" }]);
    expect(sm.metadata.labels.release).toBe("kube-prometheus-stack");
  });

  it("ships the alert rules in a PrometheusRule the operator selects", () => {
    const pr = only(objects, "PrometheusRule") as Json;
    expect(pr.metadata.labels.release).toBe("kube-prometheus-stack");
    expect(pr.spec.groups[0].rules.map((r: Json) => r.alert)).toEqual(
      alertRules(settingsFor("prod"), "wshub").map((r) => r.alert),
    );
  });
});
