// Every hub metric the cluster reads (alert rules, the HPA, the KEDA query, the adapter rule) is
// a name of contract/metric-names.ts that service/metrics.ts exports: a renamed metric fails
// here instead of leaving an alert that never fires.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { METRIC, STACKS } from "../contract/index.js";
import { createMetrics } from "../service/metrics.js";
import { adapterRule } from "./components/hub-autoscaling.js";
import { renderStackReport } from "./render.js";

const INFRA = import.meta.dirname;
const MODES = ["cpu", "prometheus-adapter", "keda"] as const;
/** Prometheus' series of a histogram: the name plus one of these. */
const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

/** The hub metric names (wshub_...) in any string of `value`. */
function metricNamesIn(value: unknown): Set<string> {
  const names = new Set<string>();
  for (const match of JSON.stringify(value).matchAll(/\bwshub_[a-z0-9_]+/g)) names.add(match[0]);
  return names;
}

/** The names in `used` that are not a METRIC the hub exports (histogram series resolved). */
function unknownMetricNames(used: Iterable<string>, exported: ReadonlySet<string>): string[] {
  const known = new Set<string>(Object.values(METRIC));
  return [...used]
    .filter((name) => {
      const base = exported.has(name) ? name : name.replace(HISTOGRAM_SUFFIX, "");
      return !(known.has(base) && exported.has(base));
    })
    .sort();
}

async function exportedNames(): Promise<Set<string>> {
  const metrics = createMetrics({ version: "test", node: "test" });
  return new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
}

describe("metric names in infra", () => {
  it("are METRIC names that the hub exports, in every stack and autoscaling mode", async () => {
    const exported = await exportedNames();
    const used = new Set<string>(metricNamesIn(adapterRule()));
    for (const stack of STACKS) {
      for (const connections of MODES) {
        const report = await renderStackReport(stack, { autoscaling: { connections } });
        for (const name of metricNamesIn([report.objects, report.others])) used.add(name);
      }
    }
    // The alert rules and the HPA are in there.
    expect(used).toContain(METRIC.connections);
    expect(used).toContain(`${METRIC.deliveryLatency}_bucket`);
    expect(used).toContain(METRIC.redisUp);
    expect(unknownMetricNames(used, exported)).toEqual([]);
  });

  it("are never spelled out in infra's code: it imports METRIC", () => {
    const files = execFileSync("git", ["ls-files", "*.ts"], { cwd: INFRA, encoding: "utf8" })
      .split("\n")
      .filter(
        (f) =>
          f.endsWith(".ts") &&
          !f.endsWith(".test.ts") &&
          existsSync(join(INFRA, f)) &&
          !f.startsWith("testing/"),
      );
    expect(files).toContain("components/alert-rules.ts");
    for (const file of files) {
      const text = readFileSync(join(INFRA, file), "utf8");
      expect([...metricNamesIn(text)], file).toEqual([]);
    }
  });

  it("refuses a misspelt name and a name the hub does not export", async () => {
    const exported = await exportedNames();
    expect(
      unknownMetricNames(
        [
          METRIC.errors,
          `${METRIC.deliveryLatency}_bucket`,
          "wshub_eror_total",
          "wshub_nope_bucket",
        ],
        exported,
      ),
    ).toEqual(["wshub_eror_total", "wshub_nope_bucket"]);
    expect(unknownMetricNames([METRIC.errors], new Set())).toEqual([METRIC.errors]);
  });
});
