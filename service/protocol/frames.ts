// The frames of the wire protocol (docs/protocol.md) and the parser for client frames.
// Shared by the hub, the client SDK, the load driver and the chaos suite: no Node-only imports.
import { CHANNEL_RULE, isChannel, MAX_ID_LENGTH } from "./channel.js";
import type { ErrorCode } from "./codes.js";

export const PROTOCOL_PATH = "/v1/ws";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type SubFrame = { op: "sub"; ch: string; since?: number; epoch?: string };
export type UnsubFrame = { op: "unsub"; ch: string };
export type PubFrame = { op: "pub"; ch: string; data: Json; id?: string };
export type RefreshFrame = { op: "refresh"; token: string };
export type ClientFrame = SubFrame | UnsubFrame | PubFrame | RefreshFrame;

export type HelloFrame = { op: "hello"; node: string; conn: string };
export type SubscribedFrame = {
  op: "subscribed";
  ch: string;
  seq: number;
  epoch: string;
  recovered?: boolean;
};
export type MsgFrame = { op: "msg"; ch: string; seq: number; data: Json; id?: string };
export type OkFrame = { op: "ok"; id: string; ch: string; seq: number };
export type ErrorFrame = { op: "error"; code: ErrorCode; message: string; id?: string };
export type ServerFrame = HelloFrame | SubscribedFrame | MsgFrame | OkFrame | ErrorFrame;

/** The close reason of a 1001 going-away close: when to reconnect. */
export type GoingAwayReason = { retryAfterMs: number };

export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: "bad_request" | "unknown_op"; message: string; id?: string };

const OPS = new Set(["sub", "unsub", "pub", "refresh"]);

function bad(message: string, id?: string): ParseResult {
  return id === undefined
    ? { ok: false, code: "bad_request", message }
    : { ok: false, code: "bad_request", message, id };
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
  const id = typeof f.id === "string" ? f.id : undefined;
  if (typeof f.op !== "string") return bad("frame has no string `op` field", id);
  if (!OPS.has(f.op)) {
    const r: ParseResult = {
      ok: false,
      code: "unknown_op",
      message: `unknown op "${f.op.slice(0, 32)}": use sub, unsub, pub or refresh`,
    };
    if (id !== undefined) r.id = id;
    return r;
  }
  if (f.id !== undefined && (id === undefined || id.length === 0 || id.length > MAX_ID_LENGTH)) {
    return bad(`\`id\` must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  if (f.op === "refresh") {
    if (typeof f.token !== "string" || f.token.length === 0) {
      return bad("refresh needs a `token` string", id);
    }
    return { ok: true, frame: { op: "refresh", token: f.token } };
  }
  if (!isChannel(f.ch)) {
    return bad(`\`ch\` must match ${CHANNEL_RULE}`, id);
  }
  switch (f.op) {
    case "sub": {
      const frame: SubFrame = { op: "sub", ch: f.ch };
      if (f.since !== undefined) {
        if (typeof f.since !== "number" || !Number.isSafeInteger(f.since) || f.since < 0) {
          return bad("`since` must be a non-negative integer sequence number", id);
        }
        frame.since = f.since;
      }
      if (f.epoch !== undefined) {
        if (typeof f.epoch !== "string" || f.epoch.length > MAX_ID_LENGTH) {
          return bad("`epoch` must be the string the server sent in `subscribed`", id);
        }
        frame.epoch = f.epoch;
      }
      return { ok: true, frame };
    }
    case "unsub":
      return { ok: true, frame: { op: "unsub", ch: f.ch } };
    default: {
      if (!("data" in f) || f.data === undefined) return bad("pub needs a `data` field", id);
      const frame: PubFrame = { op: "pub", ch: f.ch, data: f.data as Json };
      if (id !== undefined) frame.id = id;
      return { ok: true, frame };
    }
  }
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
