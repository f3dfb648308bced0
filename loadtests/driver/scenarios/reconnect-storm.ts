// A node's worth of subscribers, a publisher running; a third of the way in every subscriber
// drops its TCP connection at the same instant and reconnects at once with resume (since +
// epoch). Reconnect time is drop → `subscribed`; nothing published meanwhile may be lost.
import { Publisher } from "../publisher.js";
import type { ScenarioContext } from "../scenario-options.js";
import { closeAll, countLoss, crowdOf, openCrowd } from "../subscribers.js";
import { holdFor } from "./connect-ramp.js";

export async function reconnectStorm(ctx: ScenarioContext): Promise<void> {
  const subs = await openCrowd(crowdOf(ctx, ctx.channel));
  const publisher = new Publisher(ctx.urls[0] as string, ctx.recorder, ctx.headers);
  try {
    if (!(await publisher.connect())) return;
    const durationMs = ctx.durationSeconds * 1000;
    const publishing = publisher.publishFor(ctx.channel, ctx.rate, durationMs, ctx.signal);
    await holdFor(durationMs / 3, ctx.signal);
    const live = subs.filter((s) => s.open);
    for (const s of live) s.drop();
    const droppedAt = performance.now();
    const back = await Promise.all(
      live.map(async (s) => {
        const ok = await s.connect();
        if (ok) ctx.recorder.reconnect.record(performance.now() - droppedAt);
        return ok;
      }),
    );
    ctx.info.storm_clients = live.length;
    ctx.info.storm_reconnected = back.filter(Boolean).length;
    await publishing;
    await publisher.settle(ctx.drainMs);
    await countLoss(subs, ctx.channel, publisher.lastSeq, ctx.recorder, ctx.drainMs);
    ctx.info.last_seq = publisher.lastSeq;
  } finally {
    await Promise.all([publisher.close(), closeAll(subs)]);
  }
}
