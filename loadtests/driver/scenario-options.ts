import type { ScenarioName } from "../lib/slo.js";
import type { Recorder } from "./recorder.js";

/** What every driver scenario gets: where, how much, how long, and where to record. */
export interface ScenarioContext {
  scenario: ScenarioName;
  urls: string[];
  /** Internal /metrics URLs of the nodes, for memory readings. */
  metricsUrls: string[];
  /** Connections (subscribers) to open. */
  connections: number;
  durationSeconds: number;
  /** Messages per second (fanout, soak, reconnect-storm). */
  rate: number;
  /** Connection attempts per second while ramping. */
  connectRate: number;
  channel: string;
  headers: Record<string, string>;
  recorder: Recorder;
  signal: AbortSignal;
  /** Bound on waiting for the last acknowledgements and deliveries after publishing stops. */
  drainMs: number;
  /** Facts for the summary's `info`. */
  info: Record<string, number | string>;
}
