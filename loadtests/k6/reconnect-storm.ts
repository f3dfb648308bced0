// A node's worth of clients (VUS) subscribed with a publisher running; STORM_AT seconds in, every
// client drops its connection at the same moment and reconnects with resume (since + epoch).
// Gates on reconnect time (max), no message lost across the storm, and connect success. The same
// script measures a real node loss: leave STORM_AT=0 and kill a pod; clients reconnect by themselves.
//   k6 run -e HUB_URLS=... -e VUS=1000 -e STORM_AT=20 loadtests/k6/reconnect-storm.ts
import exec from "k6/execution";
import type { Options } from "k6/options";
import { setTimeout } from "k6/timers";
import { settings, summaryHandler, summaryTrendStats, thresholdsFor, urlFor } from "./config.ts";
import { HubClient } from "./hub-client.ts";
import { publishFor } from "./publisher.ts";

const SUBSCRIBE_SECONDS = 5;
const stormAt = Number(__ENV.STORM_AT ?? 15);

export const options: Options = {
  scenarios: {
    clients: {
      executor: "per-vu-iterations",
      exec: "client",
      vus: settings.vus,
      iterations: 1,
      maxDuration: `${settings.durationSeconds + SUBSCRIBE_SECONDS + 60}s`,
    },
    publisher: {
      executor: "per-vu-iterations",
      exec: "publisher",
      vus: 1,
      iterations: 1,
      startTime: `${SUBSCRIBE_SECONDS}s`,
      maxDuration: `${settings.durationSeconds + 60}s`,
    },
  },
  thresholds: thresholdsFor("reconnect-storm"),
  summaryTrendStats,
};

/** One client: subscribe, drop at the storm moment (the same wall-clock instant for all VUs). */
export function client(): void {
  const hub = new HubClient({ url: urlFor(__VU), channel: settings.channel, maxReconnects: 5 });
  hub.connect();
  if (stormAt > 0) {
    const at = exec.scenario.startTime + stormAt * 1000;
    setTimeout(() => hub.drop(), Math.max(0, at - Date.now()));
  }
  setTimeout(() => hub.finish(), (SUBSCRIBE_SECONDS + settings.durationSeconds + 3) * 1000);
}

export function publisher(): void {
  publishFor(settings.durationSeconds);
}

export const handleSummary = summaryHandler("reconnect-storm");
