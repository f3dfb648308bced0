// The events a HubClient emits and the counters it keeps.
import type { Json, PresenceMember } from "../protocol/index.js";
import type { HubClientError } from "./client-error.js";

export type OpenEvent = { node: string; conn: string; url: string };
export type CloseEvent = { code: number; reason: string; willReconnect: boolean };
/** A `subscribed` as the hub sent it: `recovered` only on a resume (absent on a first subscribe). */
export type SubscribedEvent = { ch: string; seq: number; epoch: string; recovered?: boolean };
export type MessageEvent = { ch: string; seq: number; data: Json; id?: string };
/** A member joined or left a subscribed channel whose namespace has joinLeave. */
export type PresenceChangeEvent = { ch: string; who: PresenceMember };

export type HubClientEvents = {
  open: OpenEvent;
  close: CloseEvent;
  reconnecting: { attempt: number; delayMs: number; url: string };
  subscribed: SubscribedEvent;
  /** One channel message: per channel in seq order, each once. */
  message: MessageEvent;
  /** A resume could not recover what was missed: reload this channel's state from elsewhere. */
  gap: { ch: string; recovered: false; seq: number; epoch: string };
  /** A seq skipped ahead: the connection is replaced and the channel resumed from `last`. */
  resync: { ch: string; last: number; got: number };
  error: HubClientError;
  join: PresenceChangeEvent;
  leave: PresenceChangeEvent;
};

export type HubClientStats = {
  reconnects: number;
  /** Moves to another node asked by a draining one (`move`), made before the old one closed. */
  moves: number;
  messages: number;
  duplicatesDropped: number;
  gaps: number;
  resyncs: number;
  publishRetries: number;
  pendingPublishes: number;
};
