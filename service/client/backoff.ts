// Reconnect and retry delays. Pure: `random` is injected so tests can pin the jitter.

export type BackoffOptions = { initialMs: number; maxMs: number };

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  initialMs: 250,
  maxMs: 10_000,
});

/** Full-jitter exponential backoff: uniform in [0, min(maxMs, initialMs * 2^attempt)). */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  // Cap the exponent so 2^attempt never overflows into Infinity.
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}

/**
 * The delay after a 1001 close that asked for `retryAfterMs`: never earlier than asked, plus a
 * little jitter (10 %, between 50 ms and 1 s) so clients of one drained node do not arrive together.
 */
export function retryAfterDelay(retryAfterMs: number, random: () => number = Math.random): number {
  const spread = Math.min(1000, Math.max(50, retryAfterMs * 0.1));
  return retryAfterMs + Math.floor(random() * spread);
}
