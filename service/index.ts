// The hub as a library: embed a node in another process or a test.
export type { Broker, BusMessage, HistoryResult, PublishResult, StoredMessage } from "./broker.js";
export { MemoryBroker } from "./broker-memory.js";
export { type Config, loadConfig } from "./config.js";
export {
  CLOSE,
  ConfigError,
  ERROR_CODES,
  type ErrorCode,
  HubError,
  UnavailableError,
} from "./errors.js";
export { HubNode, type NodeStats } from "./node.js";
export * from "./protocol.js";
