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
  /** Which stack's SLOs gate the run (a key of loadtests/slo.json). */
  stack: env("STACK", "dev"),
  /** Path of the SLO file relative to this directory. */
  sloFile: env("SLO_FILE", "../slo.json"),
  vus: envInt("VUS", 100),
  /** Seconds of steady load. */
  durationSeconds: envInt("DURATION", 60),
  /** Seconds of ramp-up for connect-ramp. */
  rampSeconds: envInt("RAMP", 30),
  /** Broadcasts per second for fanout, soak and reconnect-storm. */
  rate: envInt("RATE", 10),
  channel: env("CHANNEL", "load:k6"),
  /** `ws` (a `pub` frame with an id) or `http` (POST /v1/publish with API_KEY). */
  publishVia: env("PUBLISH_VIA", "ws"),
  /** JWT for `Authorization: Bearer` when the hub has auth on. */
  token: env("TOKEN", ""),
  apiKey: env("API_KEY", ""),
  /** Where handleSummary writes `<scenario>.json` and `<scenario>.xml`. */
  reportDir: env("REPORT_DIR", "reports"),
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

/** The URL for the n-th connection: round-robin over HUB_URLS. */
export function urlFor(n: number): string {
  return settings.hubUrls[n % settings.hubUrls.length] as string;
}

/** Connection params: the bearer token when one is set. */
export function connectParams(): { headers: Record<string, string> } {
  return { headers: settings.token ? { Authorization: `Bearer ${settings.token}` } : {} };
}

/** The http(s) base of a ws(s) URL, for /v1/publish and /metrics. */
export function httpBase(wsUrl: string): string {
  return wsUrl.replace(/^ws/, "http").replace(/\/v1\/ws.*$/, "");
}

const SUMMARY_METRICS = [...Object.values(METRIC), "server_rss_bytes", "ws_sessions"];

/** handleSummary for a scenario: JSON + JUnit XML into REPORT_DIR and a table on stdout. */
export function summaryHandler(scenario: ScenarioName) {
  return (data: K6SummaryData): Record<string, string> => {
    const summary = summaryFromK6(data, {
      scenario,
      stack: settings.stack,
      metricNames: SUMMARY_METRICS,
    });
    return {
      [`${settings.reportDir}/${scenario}.json`]: `${JSON.stringify(summary, null, 2)}\n`,
      [`${settings.reportDir}/${scenario}.xml`]: junitXml(summary),
      stdout: `${summaryTable(summary)}\n`,
    };
  };
}
