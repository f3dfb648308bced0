// Channel tokens: a `sub` may carry a JWT for that one channel, signed with the connection
// tokens' key, whose `sub` is the connection's user and whose `channel` claim names the channel.
// It opens a private channel the connection token's patterns do not cover, until its `exp`.
import { HubError } from "../errors.js";
import type { Authenticator, Claims } from "./auth.js";

/** What a valid channel token grants: `ch` until `exp` (seconds since the epoch). */
export type ChannelGrant = { ch: string; exp: number };

/**
 * Checks `token` for subscribing `user` to `ch`; throws HubError with `channel_token_invalid`,
 * `channel_token_expired`, `channel_token_wrong_user` or `channel_token_wrong_channel`.
 */
export async function verifyChannelToken(
  auth: Authenticator,
  token: string,
  ch: string,
  user: string | undefined,
): Promise<ChannelGrant> {
  const r = await auth.verify(token);
  if (!r.ok) {
    if (r.reason === "expired")
      throw new HubError(
        "channel_token_expired",
        `the channel token for "${ch}" has expired: get a new one`,
      );
    throw new HubError(
      "channel_token_invalid",
      `the channel token for "${ch}" is invalid: ${r.message}`,
    );
  }
  const claims: Claims = r.claims;
  if (claims.channel === undefined)
    throw new HubError(
      "channel_token_invalid",
      `a channel token needs a \`channel\` claim naming "${ch}": a connection token is not one`,
    );
  if (claims.sub !== user)
    throw new HubError(
      "channel_token_wrong_user",
      `the channel token for "${ch}" was issued to another user: get one for your own token's subject`,
    );
  if (claims.channel !== ch)
    throw new HubError(
      "channel_token_wrong_channel",
      `the channel token names another channel, not "${ch}": get a token for "${ch}"`,
    );
  return { ch, exp: claims.exp };
}

/** The channels a connection holds by channel token, each until its token expires. */
export class ChannelGrants {
  private readonly grants = new Map<string, () => void>();

  constructor(private readonly setTimer: (fn: () => void, ms: number) => () => void) {}

  has(ch: string): boolean {
    return this.grants.has(ch);
  }

  /** Holds `grant`; `onExpire(ch)` runs once its token expires (unless revoked first). */
  add(grant: ChannelGrant, onExpire: (ch: string) => void): void {
    this.revoke(grant.ch);
    const clear = this.setTimer(
      () => {
        // A very long token: the timer was clamped, wait again.
        if (grant.exp * 1000 > Date.now()) return this.add(grant, onExpire);
        this.grants.delete(grant.ch);
        onExpire(grant.ch);
      },
      grant.exp * 1000 - Date.now(),
    );
    this.grants.set(grant.ch, clear);
  }

  revoke(ch: string): void {
    this.grants.get(ch)?.();
    this.grants.delete(ch);
  }

  clear(): void {
    for (const clear of this.grants.values()) clear();
    this.grants.clear();
  }
}
