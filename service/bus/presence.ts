// Who is subscribed to which presence channel, across every node: the interface the hub uses,
// with memory-presence.ts for one node and redis/presence*.ts for many nodes on one Redis.
import type { PresenceMember } from "../protocol/index.js";

export type { PresenceMember };

/** A member joined or left `ch` (on any node). */
export type PresenceEvent = { ch: string; kind: "join" | "leave"; who: PresenceMember };

export type PresencePage = {
  members: PresenceMember[];
  /** The channel's member count when the page was read. */
  count: number;
  /** Pass back for the next page; absent on the last page. */
  cursor?: string;
};

export interface PresenceStore {
  /** Connects (Redis) and starts the node's liveness heartbeat. */
  start(): Promise<void>;
  /**
   * Adds `who` to `ch` and announces its join, or rejects with TooManyMembersError when the
   * channel holds `max` members. A member already present is left as it is (no second join).
   */
  join(ch: string, who: PresenceMember, max: number): Promise<void>;
  /** Removes the connection `client` from `ch` and announces its leave, if it was there. */
  leave(ch: string, who: PresenceMember): Promise<void>;
  /**
   * A page of at most `limit` members. Every member present during the whole paging is returned
   * at least once; members joining or leaving meanwhile may be missed or repeated.
   */
  members(ch: string, limit: number, cursor?: string): Promise<PresencePage>;
  /** The member count, without reading the members. */
  count(ch: string): Promise<number>;
  /** Starts receiving join/leave events of `ch` (a local subscriber wants them). Idempotent. */
  watch(ch: string): Promise<void>;
  unwatch(ch: string): Promise<void>;
  /** Join and leave events of watched channels, each leave after its join. */
  onEvent(listener: (event: PresenceEvent) => void): void;
  /** Stops the heartbeat and closes connections; this node's members are left behind for expiry. */
  stop(): Promise<void>;
}
