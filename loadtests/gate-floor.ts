// The raw ws floor of this machine, now: a naive `ws` broadcast loop (the bench's raw server) in
// its own process, saturated by the bench generator at the fanout's audience, and the rate at
// which that generator opened its subscribers. The gate fits its load to both, so a busy shared
// runner lowers the load instead of failing a sound hub.
import { GROW_PER_SECOND, runThroughput, TARGETS } from "./bench/index.js";
import type { Floor } from "./gate-plan.js";

/** The raw floor with `subscribers` subscribers (about 3 s on 2 quiet cores). */
export async function measureRawFloor(subscribers: number): Promise<Floor> {
  const raw = TARGETS.find((t) => t.key === "raw");
  if (!raw) throw new Error("the bench has no raw ws target");
  const [result] = await runThroughput(raw, {
    sizes: [subscribers],
    broadcasts: { [subscribers]: 300 },
    fixedRates: { [subscribers]: 10 },
    latencySeconds: 1,
    halfSaturation: false,
    idleConnections: 0,
  });
  if (!result) throw new Error("the raw ws floor was not measured");
  return {
    deliveriesPerSecond: result.saturation.deliveriesPerSecond,
    connectsPerSecond: result.connectsPerSecond ?? Number.NaN,
    connectsAsked: GROW_PER_SECOND,
  };
}
