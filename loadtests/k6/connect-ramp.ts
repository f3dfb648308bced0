// Ramps to VUS connections over RAMP seconds, holds them for DURATION seconds, gates on connect
// success rate, connect time p95 and error rate.
//   k6 run -e HUB_URLS=ws://hub.example:8080/v1/ws -e VUS=1000 loadtests/k6/connect-ramp.ts
import type { Options } from "k6/options";
import { setTimeout } from "k6/timers";
import { settings, summaryHandler, summaryTrendStats, thresholdsFor, urlFor } from "./config.ts";
import { HubClient } from "./hub-client.ts";

export const options: Options = {
  scenarios: {
    ramp: {
      executor: "ramping-vus",
      startVUs: 0,
      stages: [
        { duration: `${settings.rampSeconds}s`, target: settings.vus },
        { duration: `${settings.durationSeconds}s`, target: settings.vus },
        { duration: "5s", target: 0 },
      ],
      gracefulRampDown: "10s",
    },
  },
  thresholds: thresholdsFor("connect-ramp"),
  summaryTrendStats,
};

/** One VU: one connection held for the rest of the test, then closed. */
export default function (): void {
  const client = new HubClient({ url: urlFor(__VU) });
  client.connect();
  setTimeout(() => client.finish(), (settings.rampSeconds + settings.durationSeconds) * 1000);
}

export const handleSummary = summaryHandler("connect-ramp");
