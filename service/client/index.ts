// The hub client SDK, browser-safe entry: no Node-only imports anywhere below this file.
// Node 20 has no global WebSocket: use createNodeClient() from ./node.js there.
export type { BackoffOptions } from "./backoff.js";
export { HubClient } from "./client.js";
export { type ClientErrorCode, HubClientError } from "./client-error.js";
export type {
  CloseEvent,
  HubClientEvents,
  HubClientStats,
  MessageEvent,
  OpenEvent,
  PresenceChangeEvent,
  SubscribedEvent,
} from "./client-events.js";
export type { HubClientOptions } from "./client-options.js";
export type { PublishResult } from "./outbox.js";
export type { PresenceResult } from "./presence-queries.js";
export type { SocketFactory, WebSocketCtor, WebSocketLike } from "./socket.js";
export type { ChannelToken, SubscribeOptions } from "./subscriptions.js";
