// Ramp to N connections at the connect rate, hold them for the duration, close them all.
import type { ScenarioContext } from "../scenario-options.js";
import { closeAll, crowdOf, openCrowd } from "../subscribers.js";

export async function connectRamp(ctx: ScenarioContext): Promise<void> {
  const conns = await openCrowd(crowdOf(ctx));
  try {
    await holdFor(ctx.durationSeconds * 1000, ctx.signal);
    ctx.info.open_at_end = conns.filter((c) => c.open).length;
  } finally {
    await closeAll(conns);
  }
}

/** Waits `ms` or until the run is aborted. */
export function holdFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}
