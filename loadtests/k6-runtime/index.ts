// A k6-compatible runtime for the subset of k6 our scripts use, on Node (see docs/load.md).
export { EXIT_SCRIPT_ERROR, EXIT_THRESHOLDS_FAILED, type RunK6Result, runK6 } from "./run.js";
