// The hub as a library: embed a node in another process or a test.
export type {
  Broker,
  BrokerPublishResult,
  BusMessage,
  HistoryResult,
  StoredMessage,
} from "./bus/index.js";
export { MemoryBroker } from "./bus/index.js";
export { type Config, loadConfig } from "./config.js";
export { ConfigError, HubError, UnavailableError } from "./errors.js";
export { HubNode, type NodeStats } from "./hub/index.js";
export * from "./protocol/index.js";
