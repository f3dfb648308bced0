// The report's public surface: scenarios write one report each, the run writes a summary.

export { writeSummary } from "./summary.js";
export { CHART_COLORS, svgSize, type TimelineChartOptions, timelineSvg } from "./svg.js";
export { type FaultMark, latencySummary, type TimelinePoint, timeline } from "./timeline.js";
export { type CostBounds, costLine, type UserCost, userCost } from "./user-cost.js";
export {
  buildReport,
  chartOf,
  type ReportInput,
  reportMarkdown,
  type ScenarioReport,
  writeReport,
} from "./write.js";
