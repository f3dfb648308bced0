// Bounded pacing loops: a fixed rate for a fixed time, and a connection ramp with a cap on
// attempts in flight. Both end by themselves (count and time bounds).

/** Calls `fn(i)` `rate` times per second until `durationMs` has passed or `signal` aborts. */
export async function paced(
  rate: number,
  durationMs: number,
  fn: (i: number) => void,
  signal?: AbortSignal,
): Promise<number> {
  const total = Math.floor((rate * durationMs) / 1000);
  const start = performance.now();
  let sent = 0;
  // Catch up at most one second's worth after a stall, so a paused process does not burst.
  const maxBurst = Math.max(1, Math.ceil(rate));
  while (sent < total && !signal?.aborted) {
    const elapsed = performance.now() - start;
    if (elapsed > durationMs + 1_000) break;
    const due = Math.min(total, Math.floor((elapsed * rate) / 1000) + 1);
    for (let burst = 0; sent < due && burst < maxBurst; burst++) fn(sent++);
    const nextAt = (sent * 1000) / rate;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, nextAt - (performance.now() - start))),
    );
  }
  return sent;
}

/** Runs `open(i)` for i < count at `perSecond` starts/s with at most `inFlight` pending at once. */
export async function ramp(
  count: number,
  perSecond: number,
  inFlight: number,
  open: (i: number) => Promise<unknown>,
  signal?: AbortSignal,
): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  const start = performance.now();
  for (let i = 0; i < count && !signal?.aborted; i++) {
    while (pending.size >= inFlight) await Promise.race(pending);
    const wait = (i * 1000) / perSecond - (performance.now() - start);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const p = open(i).finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all(pending);
}

/** Polls `check` every `everyMs` until it is true or `ms` passed; returns the last result. */
export async function pollUntil(check: () => boolean, ms: number, everyMs = 20): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return true;
}
