// Opens exactly VUS connections at CONNECT_RATE per second (one per VU, one iteration each),
// holds them all for DURATION seconds after the last one, then closes them; gates on connect
// success, connect time p95 and errors.
//   k6 run -e HUB_URLS=ws://hub.example:8080/v1/ws -e VUS=1000 -e CONNECT_RATE=100 loadtests/k6/connect-ramp.ts
import exec from "k6/execution";
import type { Options } from "k6/options";
import { setTimeout } from "k6/timers";
import {
  connectDelayMs,
  rampSeconds,
  settings,
  summaryHandler,
  summaryTrendStats,
  thresholdsFor,
} from "./config.ts";
import { K6HubConnection } from "./k6-hub-connection.ts";

const holdUntil = rampSeconds(settings.vus) + settings.durationSeconds;

export const options: Options = {
  scenarios: {
    ramp: {
      // One iteration per VU: a VU is a connection, never a second one (a ramping executor
      // repeats iterations and cuts them off at the end).
      executor: "per-vu-iterations",
      vus: settings.vus,
      iterations: 1,
      maxDuration: `${holdUntil + 30}s`,
    },
  },
  thresholds: thresholdsFor("connect-ramp"),
  summaryTrendStats,
};

/** One VU: one connection, opened at its paced moment and held to the common end. */
export default function (): void {
  const client = new K6HubConnection({ start: __VU });
  setTimeout(() => client.connect(), connectDelayMs(__VU));
  const end = exec.scenario.startTime + holdUntil * 1000;
  setTimeout(() => client.finish(), Math.max(0, end - Date.now()));
}

export const handleSummary = summaryHandler("connect-ramp");
