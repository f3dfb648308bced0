// The hub's typed errors. The codes they carry are the protocol's (protocol/codes.ts).
import type { ErrorCode } from "./protocol/codes.js";

/** An error the hub reports to a client as an `error` frame: a stable code and a message saying what to do. */
export class HubError extends Error {
  override readonly name = "HubError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A setting is missing or invalid; the message names the setting and what to set. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The broker (Redis) cannot be reached or refused the operation: retry later. */
export class UnavailableError extends HubError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("unavailable", message, options);
  }
}

/**
 * A publish reached the bus but its answer did not come back (a timeout, a connection lost in
 * flight, replicas that did not confirm): it may be stored. Retry with the same id; the hub
 * deduplicates it.
 */
export class PublishOutcomeUnknownError extends HubError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("publish_outcome_unknown", message, options);
  }
}

/** The node is at its bound on channel state (MAX_CHANNELS): nothing was created. */
export class ChannelLimitError extends HubError {
  constructor(message: string) {
    super("too_many_channels", message);
  }
}

/** A presence channel holds its MAX_PRESENCE_MEMBERS members: the subscribe was refused. */
export class TooManyMembersError extends HubError {
  constructor(message: string) {
    super("too_many_members", message);
  }
}
