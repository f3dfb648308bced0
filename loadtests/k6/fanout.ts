// VUS subscribers of one channel spread over HUB_URLS (opened at CONNECT_RATE), one publisher at
// RATE/s for DURATION s once they are all in: latency from the payload timestamp, loss counted
// live from seq gaps and, at the end, from an audit of what the hub stored.
//   k6 run -e HUB_URLS=ws://a:8080/v1/ws,ws://b:8080/v1/ws -e VUS=500 -e RATE=20 loadtests/k6/fanout.ts
import exec from "k6/execution";
import type { Options } from "k6/options";
import {
  rampSeconds,
  settings,
  summaryHandler,
  summaryTrendStats,
  thresholdsFor,
} from "./config.ts";
import { publishFor } from "./publisher.ts";
import { subscribeUntil } from "./subscriber.ts";

/** Seconds after the last subscriber started before the first publish. */
const SETTLE_SECONDS = 2;
const publishAt = rampSeconds(settings.vus) + SETTLE_SECONDS;
/** Subscribers stay this long after the last publish, for the last deliveries. */
const DRAIN_SECONDS = 3;

export const options: Options = {
  scenarios: {
    subscribers: {
      executor: "per-vu-iterations",
      exec: "subscriber",
      vus: settings.vus,
      iterations: 1,
      maxDuration: `${publishAt + settings.durationSeconds + DRAIN_SECONDS + 30}s`,
    },
    publisher: {
      executor: "per-vu-iterations",
      exec: "publisher",
      vus: 1,
      iterations: 1,
      startTime: `${publishAt}s`,
      maxDuration: `${settings.durationSeconds + 30}s`,
    },
  },
  thresholds: thresholdsFor("fanout"),
  summaryTrendStats,
};

/** One subscriber held until the publisher is done. */
export function subscriber(): void {
  const end = publishAt + settings.durationSeconds + DRAIN_SECONDS;
  subscribeUntil(exec.scenario.startTime + end * 1000);
}

export function publisher(): void {
  publishFor(settings.durationSeconds);
}

export const handleSummary = summaryHandler("fanout");
