// The frames of the wire protocol (docs/protocol.md) and the parser for client frames.
// Shared by the hub, the client SDK, the load driver and the chaos suite: no Node-only imports.
import { CHANNEL_RULE, isChannel, MAX_ID_LENGTH } from "./channel.js";
import type { ErrorCode } from "./codes.js";

export const PROTOCOL_PATH = "/v1/ws";
/** The protocol version a hub announces in `hello`; it grows only by adding (1.2 added to 1.1). */
export const PROTOCOL_VERSION = "1.2";
/**
 * What a 1.1 hub does beyond 1.0, as listed in `hello.features`: `id` (every op may carry an id
 * that its reply or error echoes), `ordered` (a connection's frames take effect in arrival order),
 * `ping` (application-level ping/pong when the upgrade URL asks with `?ping=1`), `retryable`
 * (error frames say whether sending again can succeed). 1.2 adds `channel_token` (a `sub` may
 * carry a token for that one channel), `presence` (the `presence` op, `join`/`leave` frames and
 * namespace options) and `move` (a draining node asks a client that said `?move=1` to move with
 * a `move` frame instead of closing it).
 */
export const PROTOCOL_FEATURES = [
  "id",
  "ordered",
  "ping",
  "retryable",
  "channel_token",
  "presence",
  "move",
] as const;
/** The longest channel token a `sub` may carry, in characters. */
export const MAX_CHANNEL_TOKEN_LENGTH = 8192;
/** The upgrade query parameter with which a client asks for application-level pings. */
export const PING_QUERY = "ping";
/** The upgrade query parameter with which a client says it understands the `move` frame (1.2). */
export const MOVE_QUERY = "move";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type SubFrame = {
  op: "sub";
  ch: string;
  since?: number;
  epoch?: string;
  id?: string;
  /** 1.2: a channel token allowing this one channel (docs/protocol.md, "Channel tokens"). */
  token?: string;
};
export type UnsubFrame = { op: "unsub"; ch: string; id?: string };
export type PubFrame = { op: "pub"; ch: string; data: Json; id?: string };
export type RefreshFrame = { op: "refresh"; token: string; id?: string };
export type PongFrame = { op: "pong" };
/** 1.2: who is subscribed to `ch` (a page of members, or only their count). */
export type PresenceFrame = {
  op: "presence";
  ch: string;
  id?: string;
  cursor?: string;
  limit?: number;
  countOnly?: boolean;
};
export type ClientFrame =
  | SubFrame
  | UnsubFrame
  | PubFrame
  | RefreshFrame
  | PongFrame
  | PresenceFrame;

export type HelloFrame = {
  op: "hello";
  node: string;
  conn: string;
  /** 1.1 and later; absent from a 1.0 hub. */
  version?: string;
  features?: string[];
  /** Present when this connection gets application-level pings: their interval in ms. */
  pingMs?: number;
};
export type SubscribedFrame = {
  op: "subscribed";
  ch: string;
  seq: number;
  epoch: string;
  recovered?: boolean;
  id?: string;
};
export type UnsubscribedFrame = { op: "unsubscribed"; ch: string; id: string };
export type RefreshedFrame = { op: "refreshed"; id: string; exp?: number };
export type MsgFrame = { op: "msg"; ch: string; seq: number; data: Json; id?: string };
export type OkFrame = { op: "ok"; id: string; ch: string; seq: number };
export type ErrorFrame = {
  op: "error";
  code: ErrorCode;
  message: string;
  /** 1.1: whether sending the same frame again (same id) can succeed. */
  retryable?: boolean;
  id?: string;
  ch?: string;
};
export type PingFrame = { op: "ping" };
/** One subscriber of a presence channel: its connection, its token's subject and its node. */
export type PresenceMember = { client: string; user: string; node: string };
/** The answer to `presence`: `members` is absent for countOnly; `cursor` asks for the next page. */
export type PresenceReplyFrame = {
  op: "presence";
  ch: string;
  id?: string;
  members?: PresenceMember[];
  count: number;
  cursor?: string;
};
/** A subscriber joined (subscribed to) or left a channel whose namespace has joinLeave. */
export type JoinFrame = { op: "join"; ch: string; who: PresenceMember };
export type LeaveFrame = { op: "leave"; ch: string; who: PresenceMember };
/**
 * 1.2, only to a client that upgraded with `?move=1`: this node is draining. Open a new
 * connection (after `retryAfterMs`, when present), resume there with since+epoch, then close
 * this one; the node closes it with 1001 if the client has not moved within its drain grace.
 */
export type MoveFrame = { op: "move"; retryAfterMs?: number };
export type ServerFrame =
  | PresenceReplyFrame
  | JoinFrame
  | LeaveFrame
  | HelloFrame
  | SubscribedFrame
  | UnsubscribedFrame
  | RefreshedFrame
  | MsgFrame
  | OkFrame
  | ErrorFrame
  | PingFrame
  | MoveFrame;

/** The close reason of a 1001 going-away close: when to reconnect. */
export type GoingAwayReason = { retryAfterMs: number };

export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: "bad_request" | "unknown_op"; message: string; id?: string; ch?: string };

const OPS = new Set(["sub", "unsub", "pub", "refresh", "pong", "presence"]);
/** The most members one `presence` reply carries, and the page size when `limit` is absent. */
export const MAX_PRESENCE_PAGE = 1_000;
export const DEFAULT_PRESENCE_PAGE = 100;
/** The longest presence `cursor` a client may send back. */
const MAX_CURSOR_LENGTH = 256;

function bad(message: string, id?: string, ch?: string): ParseResult {
  const r: ParseResult = { ok: false, code: "bad_request", message };
  if (id !== undefined) r.id = id;
  if (ch !== undefined) r.ch = ch;
  return r;
}

/** Parses one text frame from a client; never throws. */
export function parseClientFrame(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad("frame is not valid JSON: send one JSON object per text frame");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return bad("frame must be a JSON object with an `op` field");
  }
  const f = value as Record<string, unknown>;
  // Only a valid id is echoed: a reply never carries what the protocol does not allow.
  const id =
    typeof f.id === "string" && f.id.length > 0 && f.id.length <= MAX_ID_LENGTH ? f.id : undefined;
  if (typeof f.op !== "string") return bad("frame has no string `op` field", id);
  if (!OPS.has(f.op)) {
    const r: ParseResult = {
      ok: false,
      code: "unknown_op",
      message: `unknown op "${f.op.slice(0, 32)}": use sub, unsub, pub, refresh, pong or presence`,
    };
    if (id !== undefined) r.id = id;
    return r;
  }
  if (f.id !== undefined && (id === undefined || id.length === 0 || id.length > MAX_ID_LENGTH)) {
    return bad(`\`id\` must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  if (f.op === "pong") return { ok: true, frame: { op: "pong" } };
  if (f.op === "refresh") {
    if (typeof f.token !== "string" || f.token.length === 0) {
      return bad("refresh needs a `token` string", id);
    }
    const frame: RefreshFrame = { op: "refresh", token: f.token };
    if (id !== undefined) frame.id = id;
    return { ok: true, frame };
  }
  if (!isChannel(f.ch)) {
    return bad(`\`ch\` must match ${CHANNEL_RULE}`, id);
  }
  const ch = f.ch;
  switch (f.op) {
    case "sub": {
      const frame: SubFrame = { op: "sub", ch };
      if (id !== undefined) frame.id = id;
      if (f.since !== undefined) {
        if (typeof f.since !== "number" || !Number.isSafeInteger(f.since) || f.since < 0) {
          return bad("`since` must be a non-negative integer sequence number", id, ch);
        }
        frame.since = f.since;
      }
      if (f.epoch !== undefined) {
        if (typeof f.epoch !== "string" || f.epoch.length > MAX_ID_LENGTH) {
          return bad("`epoch` must be the string the server sent in `subscribed`", id, ch);
        }
        frame.epoch = f.epoch;
      }
      if (f.token !== undefined) {
        if (
          typeof f.token !== "string" ||
          f.token === "" ||
          f.token.length > MAX_CHANNEL_TOKEN_LENGTH
        ) {
          return bad(
            `\`token\` must be a channel token (a JWT of at most ${MAX_CHANNEL_TOKEN_LENGTH} characters)`,
            id,
            ch,
          );
        }
        frame.token = f.token;
      }
      return { ok: true, frame };
    }
    case "presence":
      return parsePresence(f, ch, id);
    case "unsub": {
      const frame: UnsubFrame = { op: "unsub", ch };
      if (id !== undefined) frame.id = id;
      return { ok: true, frame };
    }
    default: {
      if (!("data" in f) || f.data === undefined) return bad("pub needs a `data` field", id, ch);
      const frame: PubFrame = { op: "pub", ch, data: f.data as Json };
      if (id !== undefined) frame.id = id;
      return { ok: true, frame };
    }
  }
}

/** The fields of a `presence` frame: cursor, limit within 1..MAX_PRESENCE_PAGE, countOnly. */
function parsePresence(f: Record<string, unknown>, ch: string, id?: string): ParseResult {
  const frame: PresenceFrame = { op: "presence", ch };
  if (id !== undefined) frame.id = id;
  if (f.cursor !== undefined) {
    if (typeof f.cursor !== "string" || f.cursor === "" || f.cursor.length > MAX_CURSOR_LENGTH)
      return bad("`cursor` must be the string a previous presence reply sent", id, ch);
    frame.cursor = f.cursor;
  }
  if (f.limit !== undefined) {
    if (
      typeof f.limit !== "number" ||
      !Number.isInteger(f.limit) ||
      f.limit < 1 ||
      f.limit > MAX_PRESENCE_PAGE
    )
      return bad(`\`limit\` must be an integer from 1 to ${MAX_PRESENCE_PAGE}`, id, ch);
    frame.limit = f.limit;
  }
  if (f.countOnly !== undefined) {
    if (typeof f.countOnly !== "boolean") return bad("`countOnly` must be true or false", id, ch);
    if (f.countOnly) frame.countOnly = true;
  }
  return { ok: true, frame };
}

/** Parses the reason of a 1001 close; undefined when it carries no retry hint. */
export function parseGoingAway(reason: string): GoingAwayReason | undefined {
  try {
    const v = JSON.parse(reason) as unknown;
    if (typeof v === "object" && v !== null && "retryAfterMs" in v) {
      const ms = (v as { retryAfterMs: unknown }).retryAfterMs;
      if (typeof ms === "number" && Number.isFinite(ms) && ms >= 0) return { retryAfterMs: ms };
    }
  } catch {
    // not JSON: no hint
  }
  return undefined;
}
