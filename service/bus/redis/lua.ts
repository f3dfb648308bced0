// Redis keys, the two Lua scripts behind RedisBroker, and the bus payload format.
// Every key of one channel carries the same hash tag `{<ch>}`, so a Redis Cluster keeps a channel
// (and its script) on one slot.
import { createHash } from "node:crypto";
import type { BusMessage, StoredMessage } from "../broker.js";

/** A publisher's identity as a short, fixed-size key part (a token's `sub` can be long). */
function publisherTag(publisher: string): string {
  return createHash("sha256").update(publisher).digest("base64url").slice(0, 22);
}

const SHARD_BUS_PREFIX = "wshub:bus:{";

export const keys = {
  meta: (ch: string) => `wshub:{${ch}}:meta`,
  hist: (ch: string) => `wshub:{${ch}}:hist`,
  dedupe: (ch: string, publisher: string, id: string) =>
    `wshub:{${ch}}:dd:${publisherTag(publisher)}:${id}`,
  bus: (ch: string) => `wshub:bus:${ch}`,
  probe: (nodeId: string) => `wshub:probe:${nodeId}`,
  /** Redis Cluster: the channel's shard channel, in the slot of its keys. */
  shardBus: (ch: string) => `wshub:bus:{${ch}}`,
  /** Redis Cluster: a node's probe channel on the shard that owns the slot of `tag`. */
  shardProbe: (tag: string, nodeId: string) => `wshub:probe:{${tag}}:${nodeId}`,
};

/** The channel name inside a shard channel `wshub:bus:{<ch>}`; undefined for any other. */
export function channelOfShardBus(channel: string): string | undefined {
  if (!channel.startsWith(SHARD_BUS_PREFIX) || !channel.endsWith("}")) return undefined;
  return channel.slice(SHARD_BUS_PREFIX.length, -1);
}

export const BUS_PREFIX = "wshub:bus:";

/**
 * KEYS: meta, hist, dedupe. ARGV: candidate epoch, data, ts, id JSON, id, has id ("1"/"0"),
 * history size, history TTL ms, dedupe window ms, bus channel, may create ("1"/"0").
 * Returns {seq, epoch, duplicate, created}; {-1, "", 0, 0} when the channel does not exist and
 * may not be created (the node is at its channel bound): nothing is written.
 * The shebang makes Redis refuse the whole script up front on a read-only replica (READONLY),
 * so a demoted primary never runs half of it.
 */
export const PUBLISH_SCRIPT = publishScript("PUBLISH");

/**
 * The publish script with its bus command: PUBLISH on one primary, SPUBLISH on a Redis Cluster
 * (the shard channel shares the slot of the channel's keys, so the script stays on one slot).
 */
export function publishScript(command: "PUBLISH" | "SPUBLISH"): string {
  return `#!lua
local hasId = ARGV[6] == '1'
if hasId then
  local seen = redis.call('GET', KEYS[3])
  if seen then
    local sep = string.find(seen, ':', 1, true)
    return {tonumber(string.sub(seen, 1, sep - 1)), string.sub(seen, sep + 1), 1}
  end
end
if ARGV[11] ~= '1' and redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1, '', 0, 0}
end
local created = 0
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  -- A new life of the sequence: a stream left from an earlier life would clash with seq 1.
  redis.call('DEL', KEYS[2])
  created = 1
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local seqText = string.format('%d', seq)
if hasId then
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[7], seqText .. '-1', 'd', ARGV[2], 't', ARGV[3], 'i', ARGV[5])
else
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[7], seqText .. '-1', 'd', ARGV[2], 't', ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('PEXPIRE', KEYS[2], ARGV[8])
local idJson = 'null'
if hasId then
  redis.call('SET', KEYS[3], seqText .. ':' .. epoch, 'PX', ARGV[9])
  idJson = ARGV[4]
end
redis.call('${command}', ARGV[10], '[' .. seqText .. ',"' .. epoch .. '",' .. ARGV[3] .. ',' .. idJson .. ']\\n' .. ARGV[2])
return {seq, epoch, 0, created}
`;
}

/**
 * KEYS: meta, hist. ARGV: candidate epoch, history TTL ms, since ("" for none), may create.
 * Returns {seq, epoch, entries of XRANGE after since, created}; {-1, "", {}, 0} when the channel
 * does not exist and may not be created. Reading keeps the meta key (and so the epoch) alive at
 * least as long as the history it describes.
 */
export const HISTORY_SCRIPT = `#!lua
if ARGV[4] ~= '1' and redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1, '', {}, 0}
end
local created = 0
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  redis.call('DEL', KEYS[2])
  created = 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local entries = {}
if ARGV[3] ~= '' then
  local since = tonumber(ARGV[3])
  if since < seq then
    entries = redis.call('XRANGE', KEYS[2], string.format('%d', since + 1) .. '-0', '+')
  end
end
return {seq, epoch, entries, created}
`;

export type PublishReply = [number, string, number, number];
export type HistoryReply = [number, string, [string, string[]][], number];

/** A stream entry `[id, [field, value, ...]]` as a stored message; undefined when malformed. */
export function parseEntry(entry: [string, string[]]): StoredMessage | undefined {
  const [id, fields] = entry;
  const seq = Number(id.slice(0, id.indexOf("-")));
  let data: string | undefined;
  let ts = 0;
  let msgId: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1] as string;
    if (fields[i] === "d") data = value;
    else if (fields[i] === "t") ts = Number(value);
    else if (fields[i] === "i") msgId = value;
  }
  if (!Number.isSafeInteger(seq) || seq < 1 || data === undefined) return undefined;
  const message: StoredMessage = { seq, data, ts };
  if (msgId !== undefined) message.id = msgId;
  return message;
}

/** The bus payload `[seq,"epoch",ts,id|null]\n<data>` as a message; undefined when malformed. */
export function parseBusPayload(ch: string, payload: string): BusMessage | undefined {
  const newline = payload.indexOf("\n");
  if (newline < 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(payload.slice(0, newline));
  } catch {
    return undefined;
  }
  if (!Array.isArray(header) || header.length !== 4) return undefined;
  const [seq, epoch, ts, id] = header as unknown[];
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  if (typeof epoch !== "string" || typeof ts !== "number") return undefined;
  if (id !== null && typeof id !== "string") return undefined;
  const message: BusMessage = { ch, seq, epoch, ts, data: payload.slice(newline + 1) };
  if (id !== null) message.id = id;
  return message;
}
