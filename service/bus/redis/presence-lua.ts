// Redis keys and scripts of presence. A channel's members live in one hash under the channel's
// hash tag, so a join or leave is one atomic script: the change and its announcement happen
// together, and a leave is announced only when the member was there (after its join).
import type { PresenceEvent, PresenceMember } from "../presence.js";

export const EVENTS_PREFIX = "wshub:presence-events:";

export const presenceKeys = {
  /** HASH client → member JSON. */
  members: (ch: string) => `wshub:{${ch}}:presence`,
  /** Pub/sub channel of `ch`'s join and leave events. */
  events: (ch: string) => `wshub:presence-events:${ch}`,
  /** Redis Cluster: the shard channel of `ch`'s events, in the slot of its members hash. */
  shardEvents: (ch: string) => `${EVENTS_PREFIX}{${ch}}`,
  /** A node's liveness: exists while the node heartbeats (PX = the presence heartbeat). */
  live: (nodeId: string) => `wshub:presence-node:${nodeId}`,
  /** SET of "client ch" entries: the members a node added, for removal when it dies. */
  index: (nodeId: string) => `wshub:presence-index:${nodeId}`,
  /** SET of nodes that hold members. */
  nodes: "wshub:presence-nodes",
};

/**
 * KEYS: members hash. ARGV: client, member JSON, max members, events channel.
 * Returns 1 (joined and announced), 0 (already a member), -1 (full: nothing written).
 */
export const JOIN_SCRIPT = joinScript("PUBLISH");

/** KEYS: members hash. ARGV: client, events channel. Returns 1 when it removed the member. */
export const LEAVE_SCRIPT = leaveScript("PUBLISH");

/**
 * The join script with its announcement command: PUBLISH on one Redis, SPUBLISH on a Redis
 * Cluster (the shard channel shares the members hash's slot, so the script stays on one slot).
 */
export function joinScript(command: "PUBLISH" | "SPUBLISH"): string {
  return `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('${command}', ARGV[4], '{"k":"join","w":' .. ARGV[2] .. '}')
return 1
`;
}

/** The leave script with its announcement command (see joinScript). */
export function leaveScript(command: "PUBLISH" | "SPUBLISH"): string {
  return `
local m = redis.call('HGET', KEYS[1], ARGV[1])
if not m then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('${command}', ARGV[2], '{"k":"leave","w":' .. m .. '}')
return 1
`;
}

/** The channel name inside a shard events channel `wshub:presence-events:{<ch>}`. */
export function channelOfShardEvents(channel: string): string | undefined {
  if (!channel.startsWith(`${EVENTS_PREFIX}{`) || !channel.endsWith("}")) return undefined;
  return channel.slice(EVENTS_PREFIX.length + 1, -1);
}

/** A member as stored: its fields in a fixed order. */
export function memberJson(who: PresenceMember): string {
  return JSON.stringify({ client: who.client, user: who.user, node: who.node });
}

/** Parses a stored member; undefined for anything else. */
export function parseMember(text: string): PresenceMember | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v.client === "string" && typeof v.user === "string" && typeof v.node === "string")
      return { client: v.client, user: v.user, node: v.node };
  } catch {
    // not a member
  }
  return undefined;
}

/** Parses an event published by a script on `ch`'s events channel. */
export function parseEvent(ch: string, payload: string): PresenceEvent | undefined {
  try {
    const v = JSON.parse(payload) as { k?: unknown; w?: unknown };
    if (v.k !== "join" && v.k !== "leave") return undefined;
    const who = parseMember(JSON.stringify(v.w));
    return who ? { ch, kind: v.k, who } : undefined;
  } catch {
    return undefined;
  }
}

/** An index entry: client ids and channel names hold no space. */
export function indexEntry(client: string, ch: string): string {
  return `${client} ${ch}`;
}

export function parseIndexEntry(entry: string): { client: string; ch: string } | undefined {
  const i = entry.indexOf(" ");
  if (i <= 0) return undefined;
  return { client: entry.slice(0, i), ch: entry.slice(i + 1) };
}
