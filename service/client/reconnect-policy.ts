// What to do after a connection ended: reconnect (when), refresh the token first, or stop. Pure.
import { CLOSE, parseGoingAway, shouldReconnect } from "../protocol/index.js";
import type { ClientErrorCode } from "./client-error.js";

/** Synthetic close code for connections the client ended itself (dead, timed out, out of sync). */
export const CLIENT_DROPPED = 1006;

export type CloseDecision =
  | { action: "reconnect"; retryAfterMs?: number }
  | { action: "refresh" }
  | { action: "stop"; code: ClientErrorCode; message: string };

export type CloseFacts = {
  code: number;
  reason: string;
  /** The HTTP status of a refused upgrade, when the WebSocket implementation exposes it (ws does). */
  httpStatus?: number;
  canRefresh: boolean;
};

/** Decides the client's next step after a close, following the close-code table in ../errors.ts. */
export function decideAfterClose(facts: CloseFacts): CloseDecision {
  const { code, reason, httpStatus, canRefresh } = facts;
  if (httpStatus === 401) {
    return canRefresh
      ? { action: "refresh" }
      : {
          action: "stop",
          code: "unauthorized",
          message:
            "the hub refused the token (HTTP 401): pass a valid `token` or a `refreshToken` hook",
        };
  }
  if (httpStatus === 403) {
    return {
      action: "stop",
      code: "forbidden",
      message: "the hub refused this Origin (HTTP 403): add it to the hub's ALLOWED_ORIGINS",
    };
  }
  if (code === CLOSE.policy.code) {
    return canRefresh
      ? { action: "refresh" }
      : {
          action: "stop",
          code: "token_expired",
          message:
            "the hub closed with 1008 (token expired or revoked): pass a `refreshToken` hook",
        };
  }
  if (code === CLOSE.tooBig.code) {
    return {
      action: "stop",
      code: "frame_too_big",
      message:
        "the hub closed with 1009: a frame exceeded its MAX_PAYLOAD_BYTES; send smaller data",
    };
  }
  if (code === CLOSE.goingAway.code) {
    const hint = parseGoingAway(reason);
    return hint
      ? { action: "reconnect", retryAfterMs: hint.retryAfterMs }
      : { action: "reconnect" };
  }
  if (shouldReconnect(code)) return { action: "reconnect" };
  return {
    action: "stop",
    code: "closed",
    message: `the hub closed the connection with ${code}${reason ? ` (${reason})` : ""}; call connect() on a new client to retry`,
  };
}
