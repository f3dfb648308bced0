// When to refresh a JWT: read its `exp` (unverified: the hub verifies) and pick a time before it. Pure.

/** The `exp` of a JWT in epoch milliseconds; undefined when the token is not a JWT with `exp`. */
export function jwtExpiryMs(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const b64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const json = JSON.parse(atob(b64.padEnd(b64.length + ((4 - (b64.length % 4)) % 4), "=")));
    const exp = (json as { exp?: unknown }).exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Milliseconds from `nowMs` until the token should be refreshed: a fifth of its remaining life
 * (at most one minute) before `exp`, so a slow refresh still lands in time.
 */
export function refreshDelayMs(expMs: number, nowMs: number): number {
  const remaining = expMs - nowMs;
  return Math.max(0, remaining - Math.min(60_000, remaining / 5));
}
