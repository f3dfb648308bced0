import { ensurePromtool } from "./promtool.js";

/** vitest globalSetup of the infra project: the alert rules' unit tests need promtool. */
export default function setup(): void {
  process.env.WSHUB_PROMTOOL = ensurePromtool();
}
