// Error codes of `error` frames and the close-code table: what each means and whether a client
// should reconnect after it (docs/protocol.md, "Errors" and "Close codes").

/** Stable error codes of the wire protocol. */
export const ERROR_CODES = [
  "bad_request",
  "unknown_op",
  "unauthorized",
  "forbidden",
  "rate_limited",
  "too_many_subscriptions",
  "not_subscribed",
  "unavailable",
  /** A publish was sent to the bus but not confirmed: retry with the same id (it may be stored). */
  "publish_outcome_unknown",
  /** The node holds (or has created) its MAX_CHANNELS channels: retry later, or use fewer names. */
  "too_many_channels",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Close codes and whether a client should reconnect after each. */
export const CLOSE = {
  normal: { code: 1000, reconnect: false },
  goingAway: { code: 1001, reconnect: true },
  policy: { code: 1008, reconnect: false },
  tooBig: { code: 1009, reconnect: false },
  internal: { code: 1011, reconnect: true },
  tryAgainLater: { code: 1013, reconnect: true },
} as const;

/** Whether a client should reconnect after the server closed with `code`. */
export function shouldReconnect(code: number): boolean {
  for (const entry of Object.values(CLOSE)) if (entry.code === code) return entry.reconnect;
  // Abnormal closure (1006), unknown codes: the network or the process failed; try again.
  return code !== 1008 && code !== 1009 && code !== 4000;
}
