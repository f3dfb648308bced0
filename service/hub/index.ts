// The hub node: gateway (upgrade admission), connections, fan-out and the HTTP endpoints.
export { HubNode, type NodeStats } from "./node.js";
