// Token checks: HS256 with a shared secret, or RS256/ES256 with a PEM public key. The key is
// read from its Secret on every check (cheap, cached per value) so a rotated file takes effect.
import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import { errors as joseErrors, jwtVerify } from "jose";
import type { Secret } from "../config.js";
import { isChannel } from "../protocol/index.js";
import { matchGlob, patternsProblem } from "./channel-pattern.js";
import { verifyHs256 } from "./hs256.js";

export type Claims = {
  sub: string;
  exp: number;
  channels?: string[];
  /** A channel token's one channel (docs/protocol.md, "Channel tokens"). */
  channel?: string;
};

export type AuthResult =
  | { ok: true; claims: Claims }
  | { ok: false; reason: "missing" | "invalid" | "expired"; message: string };

export type Authenticator = {
  /** False when auth is off (development): every channel is open to everyone. */
  readonly enabled: boolean;
  verify(token: string | undefined): Promise<AuthResult>;
};

export function createAuthenticator(keys: { secret?: Secret; publicKey?: Secret }): Authenticator {
  const source = keys.secret ?? keys.publicKey;
  if (!source) {
    return {
      enabled: false,
      verify: async () => ({ ok: false, reason: "missing", message: "auth is disabled" }),
    };
  }
  let cachedRaw: string | undefined;
  let cachedKey: KeyObject | undefined;
  // The key is made once per value: a reconnect storm checks one token per client.
  const keyFor = (raw: string): KeyObject => {
    if (raw !== cachedRaw || cachedKey === undefined) {
      cachedKey = keys.secret ? createSecretKey(Buffer.from(raw, "utf8")) : createPublicKey(raw);
      cachedRaw = raw;
    }
    return cachedKey;
  };
  const expired = {
    ok: false,
    reason: "expired",
    message: "the token has expired: get a new one",
  } as const;
  const invalid = {
    ok: false,
    reason: "invalid",
    message: "the token is invalid: check its signature, algorithm and claims",
  } as const;
  /** The verified payload (signature, alg, exp, nbf), or why the token is refused. */
  const verified = async (
    token: string,
  ): Promise<{ ok: true; payload: Record<string, unknown> } | typeof expired | typeof invalid> => {
    const key = keyFor(source.read());
    if (keys.secret) {
      const r = verifyHs256(token, key, Math.floor(Date.now() / 1000));
      return r.ok ? r : r.reason === "expired" ? expired : invalid;
    }
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ["RS256", "ES256"],
        requiredClaims: ["sub", "exp"],
      });
      return { ok: true, payload: payload as Record<string, unknown> };
    } catch (err) {
      return err instanceof joseErrors.JWTExpired ? expired : invalid;
    }
  };
  return {
    enabled: true,
    async verify(token) {
      if (token === undefined || token === "") {
        return {
          ok: false,
          reason: "missing",
          message: "send a token as Authorization: Bearer <jwt> or ?token=<jwt>",
        };
      }
      const v = await verified(token);
      if (!v.ok) return v;
      const { payload } = v;
      if (
        typeof payload.sub !== "string" ||
        payload.sub === "" ||
        typeof payload.exp !== "number"
      ) {
        return {
          ok: false,
          reason: "invalid",
          message: "the token needs a string `sub` and a numeric `exp`",
        };
      }
      const raw = (payload as { channels?: unknown }).channels;
      if (raw !== undefined && !(Array.isArray(raw) && raw.every((c) => typeof c === "string"))) {
        return {
          ok: false,
          reason: "invalid",
          message: "the token's `channels` claim must be a list of strings",
        };
      }
      const tooComplex = raw === undefined ? undefined : patternsProblem(raw as string[]);
      if (tooComplex !== undefined) {
        return {
          ok: false,
          reason: "invalid",
          message: `${tooComplex}: ask for a token with fewer, simpler patterns`,
        };
      }
      const claims: Claims = { sub: payload.sub, exp: payload.exp };
      if (raw !== undefined) claims.channels = raw as string[];
      const channel = (payload as { channel?: unknown }).channel;
      if (channel !== undefined) {
        if (!isChannel(channel))
          return {
            ok: false,
            reason: "invalid",
            message: "the token's `channel` claim must be a channel name",
          };
        claims.channel = channel;
      }
      return { ok: true, claims };
    },
  };
}

/** The credential of an `Authorization: Bearer <x>` header; undefined when it is not one. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}

/**
 * Whether a user may subscribe to and publish on `ch`. `user:<sub>` belongs to its owner only;
 * other channels need a matching `channels` pattern (a token without `channels` gets none).
 * With claims undefined (auth disabled) everything is open.
 */
export function mayUse(claims: Claims | undefined, ch: string): boolean {
  if (!claims) return true;
  if (ch.startsWith("user:")) return ch === `user:${claims.sub}`;
  if (claims.channels === undefined) return false;
  return claims.channels.some((p) => matchGlob(p, ch));
}
