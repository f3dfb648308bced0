// Steady load for DURATION seconds (default 30 min): VUS subscribers, RATE/s published, no loss
// allowed, and each node's resident memory sampled from /metrics every 30 s into its own gauge
// (server_rss_bytes_node<i>, i the position in HUB_URLS).
//   k6 run -e HUB_URLS=... -e VUS=2000 -e RATE=5 -e DURATION=1800 loadtests/k6/soak.ts
import exec from "k6/execution";
import http from "k6/http";
import type { Options } from "k6/options";
import { clearInterval, setInterval } from "k6/timers";
import {
  httpBase,
  rampSeconds,
  settings,
  summaryHandler,
  summaryTrendStats,
  thresholdsFor,
} from "./config.ts";
import { serverRss } from "./metrics.ts";
import { publishFor } from "./publisher.ts";
import { subscribeUntil } from "./subscriber.ts";

const SETTLE_SECONDS = 5;
const DRAIN_SECONDS = 3;
const MEMORY_PERIOD_SECONDS = Number(__ENV.MEMORY_PERIOD ?? 30);
const duration = Number(__ENV.DURATION ?? 1800);
const publishAt = rampSeconds(settings.vus) + SETTLE_SECONDS;

export const options: Options = {
  scenarios: {
    subscribers: {
      executor: "per-vu-iterations",
      exec: "subscriber",
      vus: settings.vus,
      iterations: 1,
      maxDuration: `${publishAt + duration + DRAIN_SECONDS + 60}s`,
    },
    publisher: {
      executor: "per-vu-iterations",
      exec: "publisher",
      vus: 1,
      iterations: 1,
      startTime: `${publishAt}s`,
      maxDuration: `${duration + 60}s`,
    },
    memory: {
      executor: "per-vu-iterations",
      exec: "memory",
      vus: 1,
      iterations: 1,
      maxDuration: `${publishAt + duration + 60}s`,
    },
  },
  thresholds: thresholdsFor("soak"),
  summaryTrendStats,
};

/** One subscriber, reconnecting (with resume) if a node restarts during the soak. */
export function subscriber(): void {
  subscribeUntil(exec.scenario.startTime + (publishAt + duration + DRAIN_SECONDS) * 1000);
}

export function publisher(): void {
  publishFor(duration);
}

/** Samples process_resident_memory_bytes of every node into its own gauge until the end. */
export function memory(): void {
  const end = exec.scenario.startTime + (publishAt + duration) * 1000;
  const sample = () => {
    settings.hubUrls.forEach((url, i) => {
      http.asyncRequest("GET", `${httpBase(url)}/metrics`).then((res) => {
        const body = typeof res.body === "string" ? res.body : "";
        const match = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+?\d+)?)$/m.exec(body);
        if (match) serverRss[i]?.add(Number(match[1]));
      });
    });
  };
  sample();
  const timer = setInterval(() => {
    if (Date.now() >= end) clearInterval(timer);
    else sample();
  }, MEMORY_PERIOD_SECONDS * 1000);
}

export const handleSummary = summaryHandler("soak");
