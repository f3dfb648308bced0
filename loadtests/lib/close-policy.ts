// What a load client does after its connection ended, per the close-code table of the protocol
// (service/errors.ts CLOSE) and the SDK's backoff (service/client/backoff.ts). No runtime
// imports: k6 loads this file as it is; a test holds it to the service's table and formulas.

/** Reconnect (after a delay) or stop for good. */
export type CloseAction = { reconnect: true; retryAfterMs?: number } | { reconnect: false };

/** Codes after which a client must not come back (token refused, frame too big, normal end). */
const STOP_CODES = [1000, 1008, 1009, 4000];

/** The action after a close with `code` and `reason` (a 1001 may carry `{"retryAfterMs":N}`). */
export function closeAction(code: number, reason: string): CloseAction {
  if (STOP_CODES.includes(code)) return { reconnect: false };
  if (code === 1001) {
    try {
      const hint = JSON.parse(reason) as { retryAfterMs?: unknown };
      const ms = hint?.retryAfterMs;
      if (typeof ms === "number" && Number.isFinite(ms) && ms >= 0) {
        return { reconnect: true, retryAfterMs: ms };
      }
    } catch {
      // not JSON: no hint
    }
  }
  // 1001 without a hint, 1006 (the network or the node failed), 1011, 1013, unknown codes.
  return { reconnect: true };
}

/** Backoff bounds, the SDK's defaults. */
export const BACKOFF = { initialMs: 250, maxMs: 10_000 } as const;

/** Full-jitter exponential backoff: uniform in [0, min(maxMs, initialMs * 2^attempt)). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(Math.max(attempt, 0), 30);
  return Math.floor(random() * Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** exp));
}

/** After a 1001 with a hint: never earlier than asked, plus 10 % jitter (50 ms to 1 s). */
export function retryAfterDelay(retryAfterMs: number, random: () => number = Math.random): number {
  const spread = Math.min(1000, Math.max(50, retryAfterMs * 0.1));
  return retryAfterMs + Math.floor(random() * spread);
}
