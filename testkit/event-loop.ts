// Holding this process's event loop, as CPU starvation or a heavy batch holds a hub's: for tests
// of what a component concludes from timers that fire late and replies read late.
import { waitFor } from "./poll.js";

/** Where a block starts: a timer callback, an I/O callback's continuation, or the check phase. */
export type LoopPhase = "timer" | "io" | "check";
export const LOOP_PHASES: readonly LoopPhase[] = ["timer", "io", "check"];

/** Holds the event loop for `ms` (a busy loop); returns the spins, so the loop is not elided. */
export function blockEventLoop(ms: number): number {
  const end = Date.now() + ms;
  let spins = 0;
  while (Date.now() < end) spins++;
  return spins;
}

/**
 * Holds the loop for `ms` from a callback of `phase`; `io` starts the block when `io()` (a
 * request over a socket) settles.
 */
export function blockFrom(phase: LoopPhase, ms: number, io: () => Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const run = () => {
      blockEventLoop(ms);
      resolve();
    };
    if (phase === "timer") setTimeout(run, 0);
    else if (phase === "check") setImmediate(run);
    else void io().then(run, run);
  });
}

/** Lets the loop run freely for `ms` (timers, I/O and check phases turn meanwhile). */
export async function runFreely(ms: number): Promise<void> {
  const until = Date.now() + ms;
  await waitFor("the loop to run freely", () => Date.now() >= until, ms + 1000, 10);
}
