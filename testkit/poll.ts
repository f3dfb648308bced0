// The one way tests wait for a condition: poll it with a bound, never sleep and hope.
import { TestKitError } from "./errors.js";

export type PollOptions = { timeoutMs?: number; everyMs?: number };

/**
 * Calls `fn` every `everyMs` (default 20 ms) until it returns a truthy value and returns it, or
 * returns undefined once `timeoutMs` (default 5 s) passed.
 */
export async function pollFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 5_000, everyMs = 20 }: PollOptions = {},
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await new Promise((r) => setTimeout(r, Math.min(everyMs, left)));
  }
}

/** Like pollFor, but a timeout throws a TestKitError naming `what` and the bound. */
export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 5_000,
  everyMs = 20,
): Promise<T> {
  const v = await pollFor(fn, { timeoutMs, everyMs });
  if (v === undefined)
    throw new TestKitError("TIMEOUT", `timed out after ${timeoutMs} ms waiting for ${what}`);
  return v;
}

/** Whether `check` became true within `timeoutMs`. */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 20,
): Promise<boolean> {
  return (await pollFor(check, { timeoutMs, everyMs })) === true;
}
