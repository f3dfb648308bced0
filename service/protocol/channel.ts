// Channel names and client-chosen ids: the one definition every part of the repository checks against.

/** A channel name: 1 to 128 of letters, digits and `: _ . -`. */
export const CHANNEL_PATTERN = /^[A-Za-z0-9:_.-]{1,128}$/;
/** The channel rule as error messages quote it. */
export const CHANNEL_RULE = "^[A-Za-z0-9:_.-]{1,128}$";
/** The longest `id` (publish id, epoch) a client may send, in characters. */
export const MAX_ID_LENGTH = 128;

/** Whether `ch` is a valid channel name. */
export function isChannel(ch: unknown): ch is string {
  return typeof ch === "string" && CHANNEL_PATTERN.test(ch);
}
