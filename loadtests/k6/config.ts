// What every k6 script shares: settings from the environment, the SLO thresholds from the one
// SLO file, the custom metrics and handleSummary. Init-context code (open) runs on import.
import type { Options } from "k6/options";
import { junitXml } from "../lib/junit.ts";
import {
  METRIC,
  type ScenarioName,
  sloForStack,
  sloThresholds,
  type ThresholdSpec,
  toK6Thresholds,
} from "../lib/slo.ts";
import { type K6SummaryData, summaryFromK6, summaryTable } from "../lib/summary.ts";

function env(name: string, fallback: string): string {
  const value = __ENV[name];
  return value === undefined || value === "" ? fallback : value;
}

function envInt(name: string, fallback: number): number {
  const raw = env(name, String(fallback));
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

/** Settings of a run, all from `-e NAME=value` / the environment. */
export const settings = {
  /** Comma-separated hub WebSocket URLs; connections are spread over them round-robin. */
  hubUrls: env("HUB_URLS", "ws://127.0.0.1:8080/v1/ws")
    .split(",")
    .map((u) => u.trim())
    .filter((u) => u.length > 0),
  /** Which stack's SLOs gate the run (a key of contract/slo.json). */
  stack: env("STACK", "dev"),
  /** Path of the SLO file relative to this directory (the one SLO file, contract/slo.json). */
  sloFile: env("SLO_FILE", "../../contract/slo.json"),
  vus: envInt("VUS", 100),
  /** Seconds of steady load. */
  durationSeconds: envInt("DURATION", 60),
  /** Connections opened per second (connect-ramp, and the subscribers of every scenario). */
  connectRate: Math.max(1, envInt("CONNECT_RATE", 200)),
  /** Broadcasts per second for fanout, soak and reconnect-storm. */
  rate: envInt("RATE", 10),
  channel: env("CHANNEL", "load:k6"),
  /** `ws` (a `pub` frame with an id) or `http` (POST /v1/publish with API_KEY). */
  publishVia: env("PUBLISH_VIA", "ws"),
  /** JWT for `Authorization: Bearer` when the hub has auth on. */
  token: env("TOKEN", ""),
  apiKey: env("API_KEY", ""),
  /**
   * An existing folder where handleSummary writes `wshub-<scenario>.json|xml` (k6 creates no
   * folder: empty means the working directory; `npm run k6` and the CI job create it first).
   */
  reportDir: env("REPORT_DIR", ""),
  /** Makes this run's publish ids unique (the hub dedupes ids for DEDUPE_SECONDS). */
  runId: env("RUN_ID", `${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`),
};

if (settings.hubUrls.length === 0) throw new Error("HUB_URLS is empty: set one or more ws:// URLs");
if (settings.publishVia !== "ws" && settings.publishVia !== "http") {
  throw new Error(`PUBLISH_VIA must be ws or http, got "${settings.publishVia}"`);
}

const slo = sloForStack(JSON.parse(open(settings.sloFile)) as unknown, settings.stack);

/** The thresholds of a scenario as k6 options. */
export function thresholdsFor(scenario: ScenarioName): Options["thresholds"] {
  return toK6Thresholds(sloThresholds(slo, scenario) satisfies ThresholdSpec[]);
}

/** The SLOs of the selected stack (reconnect bound, for instance). */
export const sloValues = slo;

/** Trend statistics the summary carries; p(99) and count are not in k6's default list. */
export const summaryTrendStats = ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"];

/** Seconds until every one of `count` connections was started at CONNECT_RATE. */
export function rampSeconds(count: number): number {
  return Math.ceil(count / settings.connectRate);
}

/** Milliseconds VU `vu` (1-based) waits before its first connect, pacing the crowd. */
export function connectDelayMs(vu: number): number {
  return Math.floor(((vu - 1) * 1000) / settings.connectRate);
}

/** Connection params: the bearer token when one is set. */
export function connectParams(): { headers: Record<string, string> } {
  return { headers: settings.token ? { Authorization: `Bearer ${settings.token}` } : {} };
}

/** The http(s) base of a ws(s) URL, for /v1/publish and /metrics. */
export function httpBase(wsUrl: string): string {
  return wsUrl.replace(/^ws/, "http").replace(/\/v1\/ws.*$/, "");
}

/** Per-node resident memory gauges of the soak, one per HUB_URLS entry. */
export const rssMetricNames = settings.hubUrls.map((_, i) => `server_rss_bytes_node${i}`);

const SUMMARY_METRICS = [...Object.values(METRIC), ...rssMetricNames];

/** The path of a report file: REPORT_DIR (which must exist) or the working directory. */
function reportPath(name: string): string {
  return settings.reportDir === "" ? name : `${settings.reportDir.replace(/\/+$/, "")}/${name}`;
}

/** handleSummary for a scenario: JSON + JUnit XML into REPORT_DIR and a table on stdout. */
export function summaryHandler(scenario: ScenarioName) {
  return (data: K6SummaryData): Record<string, string> => {
    const summary = summaryFromK6(data, {
      scenario,
      stack: settings.stack,
      metricNames: SUMMARY_METRICS,
      info: { run_id: settings.runId },
    });
    return {
      [reportPath(`wshub-${scenario}.json`)]: `${JSON.stringify(summary, null, 2)}\n`,
      [reportPath(`wshub-${scenario}.xml`)]: junitXml(summary),
      stdout: `${summaryTable(summary)}\n`,
    };
  };
}
