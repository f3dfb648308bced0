// VUS subscribers of one channel spread over HUB_URLS, one publisher at RATE/s for DURATION s:
// delivery latency from the payload timestamp, seq gaps as lost messages.
//   k6 run -e HUB_URLS=ws://a:8080/v1/ws,ws://b:8080/v1/ws -e VUS=500 -e RATE=20 loadtests/k6/fanout.ts
import type { Options } from "k6/options";
import { setTimeout } from "k6/timers";
import { settings, summaryHandler, summaryTrendStats, thresholdsFor, urlFor } from "./config.ts";
import { HubClient } from "./hub-client.ts";
import { publishFor } from "./publisher.ts";

const SUBSCRIBE_SECONDS = 5;

export const options: Options = {
  scenarios: {
    subscribers: {
      executor: "per-vu-iterations",
      exec: "subscriber",
      vus: settings.vus,
      iterations: 1,
      maxDuration: `${settings.durationSeconds + SUBSCRIBE_SECONDS + 30}s`,
    },
    publisher: {
      executor: "per-vu-iterations",
      exec: "publisher",
      vus: 1,
      iterations: 1,
      // Subscribers first, so every message has its full audience.
      startTime: `${SUBSCRIBE_SECONDS}s`,
      maxDuration: `${settings.durationSeconds + 30}s`,
    },
  },
  thresholds: thresholdsFor("fanout"),
  summaryTrendStats,
};

/** One subscriber held until the publisher is done. */
export function subscriber(): void {
  const client = new HubClient({ url: urlFor(__VU), channel: settings.channel });
  client.connect();
  setTimeout(() => client.finish(), (SUBSCRIBE_SECONDS + settings.durationSeconds + 3) * 1000);
}

export function publisher(): void {
  publishFor(settings.durationSeconds);
}

export const handleSummary = summaryHandler("fanout");
