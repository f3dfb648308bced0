import type { ErrorCode } from "../protocol/index.js";

/** Codes of the client's own failures, beside the hub's wire error codes. */
export type ClientErrorCode =
  | ErrorCode
  | "closed"
  | "cancelled"
  | "publish_timeout"
  | "queue_full"
  | "token_expired"
  | "frame_too_big"
  | "refresh_failed"
  | "connect_failed"
  | "invalid_option";

/** An error of the hub client: a stable `code` and a message saying what to do. */
export class HubClientError extends Error {
  override readonly name = "HubClientError";
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
