// N subscribers of one channel over every node, one publisher at a fixed rate: delivery latency
// from the payload timestamp, loss from seq. soak is the same with memory read from /metrics.
import { Publisher } from "../publisher.js";
import type { ScenarioContext } from "../scenario-options.js";
import { scrapeRss } from "../server-metrics.js";
import { closeAll, countLoss, crowdOf, openCrowd } from "../subscribers.js";

export async function fanout(ctx: ScenarioContext, readMemory = false): Promise<void> {
  const rssBefore = readMemory ? await scrapeRss(ctx.metricsUrls) : [];
  const subs = await openCrowd(crowdOf(ctx, ctx.channel));
  const publisher = new Publisher(ctx.urls[0] as string, ctx.recorder, ctx.headers);
  try {
    if (!(await publisher.connect())) return;
    await publisher.publishFor(ctx.channel, ctx.rate, ctx.durationSeconds * 1000, ctx.signal);
    await publisher.settle(ctx.drainMs);
    await countLoss(subs, ctx.channel, publisher.lastSeq, ctx.recorder, ctx.drainMs);
    ctx.info.last_seq = publisher.lastSeq;
    if (readMemory) {
      const rssAfter = await scrapeRss(ctx.metricsUrls);
      rssAfter.forEach((after, i) => {
        ctx.info[`node${i}_rss_start_bytes`] = rssBefore[i] ?? -1;
        ctx.info[`node${i}_rss_end_bytes`] = after;
      });
    }
  } finally {
    await Promise.all([publisher.close(), closeAll(subs)]);
  }
}
