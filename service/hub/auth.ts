// Token checks: HS256 with a shared secret, or RS256/ES256 with a PEM public key. The key is
// read from its Secret on every check (cheap, cached per value) so a rotated file takes effect.
import { createPublicKey, type KeyObject } from "node:crypto";
import { errors as joseErrors, jwtVerify } from "jose";
import type { Secret } from "../config.js";
import { isChannel } from "../protocol/index.js";
import { matchGlob, patternsProblem } from "./channel-pattern.js";

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
  let cachedKey: Promise<CryptoKey> | KeyObject | undefined;
  // The secret is imported once per value: handed over as bytes, every check would import it
  // again, which is a third of a check's cost and paid by every client of a reconnect storm.
  const keyFor = (raw: string): Promise<CryptoKey> | KeyObject => {
    if (raw !== cachedRaw || cachedKey === undefined) {
      cachedKey = keys.secret ? importHmacKey(raw) : createPublicKey(raw);
      cachedRaw = raw;
    }
    return cachedKey;
  };
  const algorithms = keys.secret ? ["HS256"] : ["RS256", "ES256"];
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
      try {
        const { payload } = await jwtVerify(token, await keyFor(source.read()), {
          algorithms,
          requiredClaims: ["sub", "exp"],
        });
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
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) {
          return { ok: false, reason: "expired", message: "the token has expired: get a new one" };
        }
        return {
          ok: false,
          reason: "invalid",
          message: "the token is invalid: check its signature, algorithm and claims",
        };
      }
    },
  };
}

/** The HS256 secret as a verify-only CryptoKey. */
function importHmacKey(secret: string): Promise<CryptoKey> {
  const bytes = new TextEncoder().encode(secret);
  return crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
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
