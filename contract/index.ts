// The deployment contract: what the hub, its Pulumi program, the chaos suite and the load gates
// must agree on, written once. Plain data and pure functions: no Node built-ins.
export * from "./hub-env.js";
export * from "./memory-bound.js";
export * from "./metric-names.js";
export * from "./namespaces.js";
export * from "./ports.js";
export * from "./public-paths.js";
export * from "./redis-topology.js";
export * from "./slo.js";
export * from "./stack-hub-env.js";
export * from "./stack-schema.js";
export * from "./stack-settings.js";
