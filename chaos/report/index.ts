// The report's public surface: scenarios write one report each, the run writes a summary.

export { writeSummary } from "./summary.js";
export { timelineSvg } from "./svg.js";
export { type FaultMark, latencySummary, type TimelinePoint, timeline } from "./timeline.js";
export {
  buildReport,
  type ReportInput,
  reportMarkdown,
  type ScenarioReport,
  writeReport,
} from "./write.js";
