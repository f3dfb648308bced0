import { type ErrorCode, isRetryable } from "../protocol/index.js";

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
  | "invalid_option"
  | "channel_token_failed";

/** An error of the hub client: a stable `code` and a message saying what to do. */
export class HubClientError extends Error {
  override readonly name = "HubClientError";
  /** The channel the failed operation was about, when it had one. */
  readonly ch: string | undefined;
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown; ch?: string },
  ) {
    super(message, options);
    this.ch = options?.ch;
  }

  /** Whether the same operation, tried again later, can succeed (the protocol's table). */
  get retryable(): boolean {
    return isRetryable(this.code);
  }
}
