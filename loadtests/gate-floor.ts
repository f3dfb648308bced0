// The raw ws floor of this machine, now: a naive `ws` broadcast loop (the bench's raw server) in
// its own process, saturated by the bench generator at the fanout's audience. The gate fits its
// load to it, so a busy shared runner lowers the load instead of failing a sound hub.
import { runThroughput, type Saturation, TARGETS } from "./bench/index.js";

/** Deliveries/s the raw loop sustains with `subscribers` subscribers (about 3 s on 2 cores). */
export async function measureRawFloor(subscribers: number): Promise<Saturation> {
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
  return result.saturation;
}
