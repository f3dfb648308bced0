// Steady load for DURATION seconds (default 30 min): VUS subscribers, RATE/s published, no loss
// allowed, and each node's resident memory sampled from /metrics every 30 s.
//   k6 run -e HUB_URLS=... -e VUS=2000 -e RATE=5 -e DURATION=1800 loadtests/k6/soak.ts
import http from "k6/http";
import type { Options } from "k6/options";
import { setTimeout } from "k6/timers";
import {
  httpBase,
  settings,
  summaryHandler,
  summaryTrendStats,
  thresholdsFor,
  urlFor,
} from "./config.ts";
import { HubClient } from "./hub-client.ts";
import { serverRss } from "./metrics.ts";
import { publishFor } from "./publisher.ts";

const SUBSCRIBE_SECONDS = 10;
const MEMORY_PERIOD_SECONDS = 30;
const duration = Number(__ENV.DURATION ?? 1800);

export const options: Options = {
  scenarios: {
    subscribers: {
      executor: "per-vu-iterations",
      exec: "subscriber",
      vus: settings.vus,
      iterations: 1,
      maxDuration: `${duration + SUBSCRIBE_SECONDS + 60}s`,
    },
    publisher: {
      executor: "per-vu-iterations",
      exec: "publisher",
      vus: 1,
      iterations: 1,
      startTime: `${SUBSCRIBE_SECONDS}s`,
      maxDuration: `${duration + 60}s`,
    },
    memory: {
      executor: "constant-arrival-rate",
      exec: "memory",
      rate: 1,
      timeUnit: `${MEMORY_PERIOD_SECONDS}s`,
      duration: `${duration + SUBSCRIBE_SECONDS}s`,
      preAllocatedVUs: 1,
    },
  },
  thresholds: thresholdsFor("soak"),
  summaryTrendStats,
};

/** One subscriber, reconnecting (with resume) if a node restarts during the soak. */
export function subscriber(): void {
  const client = new HubClient({ url: urlFor(__VU), channel: settings.channel, maxReconnects: 20 });
  client.connect();
  setTimeout(() => client.finish(), (SUBSCRIBE_SECONDS + duration + 3) * 1000);
}

export function publisher(): void {
  publishFor(duration);
}

/** Samples process_resident_memory_bytes of every node. */
export function memory(): void {
  for (const url of settings.hubUrls) {
    const res = http.get(`${httpBase(url)}/metrics`);
    const body = typeof res.body === "string" ? res.body : "";
    const match = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+?\d+)?)$/m.exec(body);
    if (match) serverRss.add(Number(match[1]), { node: url });
  }
}

export const handleSummary = summaryHandler("soak");
