// A node's worth of clients (VUS) subscribed with a publisher running; STORM_AT seconds into the
// publishing, every client drops its connection at the same moment and reconnects with resume
// (since + epoch), after staying away STORM_AWAY_MS (default 0: at once; a longer value models a
// network blip of that length). Gates on reconnects (count and max time), loss (live, abortOnFail) and connect
// success. STORM_AT=0 measures a real node loss instead: kill a pod; clients reconnect by
// themselves with backoff, rotating over HUB_URLS.
//   k6 run -e HUB_URLS=... -e VUS=1000 -e STORM_AT=10 loadtests/k6/reconnect-storm.ts
import exec from "k6/execution";
import type { Options } from "k6/options";
import { setTimeout } from "k6/timers";
import {
  rampSeconds,
  settings,
  summaryHandler,
  summaryTrendStats,
  thresholdsFor,
} from "./config.ts";
import { publishFor } from "./publisher.ts";
import { subscribeUntil } from "./subscriber.ts";

const SETTLE_SECONDS = 2;
const DRAIN_SECONDS = 3;
const publishAt = rampSeconds(settings.vus) + SETTLE_SECONDS;
const stormAt = Number(__ENV.STORM_AT ?? Math.floor(settings.durationSeconds / 3));
const awayMs = Number(__ENV.STORM_AWAY_MS ?? 0);
if (!Number.isFinite(stormAt) || stormAt < 0) {
  throw new Error(`STORM_AT must be a number of seconds >= 0, got ${__ENV.STORM_AT}`);
}
if (!Number.isFinite(awayMs) || awayMs < 0 || awayMs > 60_000) {
  throw new Error(`STORM_AWAY_MS must be milliseconds in [0, 60000], got ${__ENV.STORM_AWAY_MS}`);
}

export const options: Options = {
  scenarios: {
    clients: {
      executor: "per-vu-iterations",
      exec: "client",
      vus: settings.vus,
      iterations: 1,
      maxDuration: `${publishAt + settings.durationSeconds + DRAIN_SECONDS + 60}s`,
    },
    publisher: {
      executor: "per-vu-iterations",
      exec: "publisher",
      vus: 1,
      iterations: 1,
      startTime: `${publishAt}s`,
      maxDuration: `${settings.durationSeconds + 60}s`,
    },
  },
  thresholds: thresholdsFor("reconnect-storm"),
  summaryTrendStats,
};

/** One client: subscribe, drop at the storm moment (the same wall-clock instant for all VUs). */
export function client(): void {
  const start = exec.scenario.startTime;
  const hub = subscribeUntil(start + (publishAt + settings.durationSeconds + DRAIN_SECONDS) * 1000);
  if (stormAt > 0) {
    const at = start + (publishAt + stormAt) * 1000;
    setTimeout(() => hub.drop(awayMs), Math.max(0, at - Date.now()));
  }
}

export function publisher(): void {
  publishFor(settings.durationSeconds);
}

export const handleSummary = summaryHandler("reconnect-storm");
