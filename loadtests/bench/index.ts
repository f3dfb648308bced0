// The bench's public surface for the rest of loadtests/: the targets and one throughput run.
export { GROW_PER_SECOND } from "./generator.js";
export type { Saturation } from "./phases.js";
export { runThroughput } from "./run-case.js";
export { TARGETS } from "./targets.js";
