// Error codes of `error` frames and the close-code table: what each means, whether the same
// frame may succeed when sent again, and whether a client should reconnect after a close
// (docs/protocol.md, "Errors" and "Close codes").

/** Whether the same frame, sent again later (same `id` for a `pub`), can succeed: one table. */
export const RETRYABLE = {
  bad_request: false,
  unknown_op: false,
  unauthorized: false,
  forbidden: false,
  rate_limited: true,
  too_many_subscriptions: false,
  not_subscribed: false,
  unavailable: true,
  // The hub could not tell whether the publish was stored: send it again with the same id.
  publish_outcome_unknown: true,
  // The node holds (or has created) its MAX_CHANNELS channels: retry later, or use fewer names.
  too_many_channels: true,
  // Channel tokens (1.2): the same token cannot succeed again; get a new one for this channel.
  channel_token_invalid: false,
  channel_token_expired: false,
  channel_token_wrong_user: false,
  channel_token_wrong_channel: false,
  // The channel's namespace lets only the server API publish (NAMESPACES clientPublish: false).
  client_publish_disabled: false,
  // A `presence` op on a channel whose namespace does not track presence.
  presence_disabled: false,
  // The presence channel holds its MAX_PRESENCE_MEMBERS members: retry when some have left.
  too_many_members: true,
} as const satisfies Record<string, boolean>;

export type ErrorCode = keyof typeof RETRYABLE;

/** Stable error codes of the wire protocol. */
export const ERROR_CODES = Object.keys(RETRYABLE) as ErrorCode[];

/** Whether an error with `code` can go away by sending the same frame again; false when unknown. */
export function isRetryable(code: string): boolean {
  return Object.hasOwn(RETRYABLE, code) && RETRYABLE[code as ErrorCode];
}

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
