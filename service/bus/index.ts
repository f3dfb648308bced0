// The bus between hub nodes and the store of every channel's seq, epoch, history and publish
// dedupe: the interface and its single-node implementation. The Redis implementation is loaded
// on demand from ./redis/ so a single node never loads ioredis.
export type {
  Broker,
  BrokerPublishResult,
  BrokerStatus,
  BusMessage,
  HistoryResult,
  PublishInput,
  StoredMessage,
} from "./broker.js";
export type {
  ControlCommand,
  ControlHandler,
  ControlPlane,
  Gathered,
  NodeAnswer,
} from "./control.js";
export { MemoryControlGroup, MemoryControlPlane } from "./control-memory.js";
export { MemoryBroker } from "./memory-broker.js";
export { MemoryPresence } from "./memory-presence.js";
export type {
  PresenceEvent,
  PresenceMember,
  PresencePage,
  PresenceStore,
} from "./presence.js";
