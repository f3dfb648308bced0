// npm run bench:presence [-- --connections N] [--runs N]: one hub node, N subscribers of one
// channel, with presence on (NAMESPACES: the channel's namespace tracks presence, no join/leave)
// and off. Prints RSS and JS heap per subscribed idle connection and the connect+subscribe rate
// of each, and the ratios on/off. Targets: under 8 KB RSS per connection with presence, connect rate within
// 10 % of presence off.
import { parseArgs } from "node:util";
import { Crowd } from "./generator.js";
import { startNode, TARGETS } from "./targets.js";

const CHANNEL = "bench:presence";
/** Both sides: the generator's slow-consumer bound needs a larger per-connection bound. */
const BASE_ENV = { MAX_CONNECTION_BYTES: String(128 * 1024 * 1024) };
const PRESENCE_ENV = {
  ...BASE_ENV,
  // Presence tracking only: with joinLeave every join is also a frame to every other subscriber.
  NAMESPACES: JSON.stringify({ bench: { presence: true } }),
  MAX_PRESENCE_MEMBERS: "1000000",
  MAX_SUBSCRIBE_RATE: "100000",
};

type Sample = {
  rssPerConnection: number;
  /** The JS heap alone (after gc): what the hub keeps per connection, without RSS's noise. */
  heapPerConnection: number;
  connectsPerSecond: number;
  open: number;
};

/** One node, `n` subscribers opened as fast as the generator can, memory read after gc. */
async function sample(n: number, presence: boolean): Promise<Sample> {
  const target = TARGETS.find((t) => t.key === "hub");
  if (!target) throw new Error("no hub target");
  const node = await startNode(target, 0, undefined, presence ? PRESENCE_ENV : BASE_ENV);
  const crowd = new Crowd("hub", [node.url], CHANNEL);
  try {
    const before = await node.memory();
    const t0 = performance.now();
    await crowd.grow(n, 2_000);
    const seconds = (performance.now() - t0) / 1000;
    const open = crowd.subscribers.length;
    process.stderr.write(
      `[bench] presence ${presence ? "on" : "off"}: ${open}/${n} open in ${seconds.toFixed(1)} s\n`,
    );
    if (open === 0) throw new Error(`no connection of ${n} opened`);
    const after = await node.memory();
    return {
      rssPerConnection: (after.rss - before.rss) / open,
      heapPerConnection: (after.heapUsed - before.heapUsed) / open,
      connectsPerSecond: open / seconds,
      open,
    };
  } finally {
    await crowd.close();
    await node.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const { values } = parseArgs({
  options: {
    // The count of the memory column of `npm run bench`: the young generation V8 grows while
    // the crowd connects is a fixed cost, and per connection it depends on the count.
    connections: { type: "string", default: "10000" },
    runs: { type: "string", default: "3" },
  },
});
const n = Number(values.connections);
const runs = Number(values.runs);
if (!Number.isInteger(n) || n < 100 || !Number.isInteger(runs) || runs < 1 || runs > 9) {
  process.stderr.write("usage: npm run bench:presence -- [--connections 100..] [--runs 1..9]\n");
  process.exit(2);
}
const off: Sample[] = [];
const on: Sample[] = [];
// Alternated, so a machine getting busier does not favour one side.
for (let i = 0; i < runs; i++) {
  off.push(await sample(n, false));
  on.push(await sample(n, true));
  process.stderr.write(`[bench] run ${i + 1}/${runs} done\n`);
}
const kb = (x: number) => (x / 1024).toFixed(2);
const rssOff = median(off.map((s) => s.rssPerConnection));
const rssOn = median(on.map((s) => s.rssPerConnection));
const heapOff = median(off.map((s) => s.heapPerConnection));
const heapOn = median(on.map((s) => s.heapPerConnection));
const rateOff = median(off.map((s) => s.connectsPerSecond));
const rateOn = median(on.map((s) => s.connectsPerSecond));
process.stdout.write(
  [
    `presence bench: ${n} subscribers of ${CHANNEL}, one node (memory bus), median of ${runs} runs`,
    `  opened: off ${off.map((s) => s.open).join("/")}, on ${on.map((s) => s.open).join("/")} of ${n} (the rest timed out on this machine)`,
    `  RSS per connection: off ${kb(rssOff)} KB, on ${kb(rssOn)} KB (on/off ${(rssOn / rssOff).toFixed(2)}; target on < 8 KB)`,
    `  JS heap per connection: off ${kb(heapOff)} KB, on ${kb(heapOn)} KB (on - off ${kb(heapOn - heapOff)} KB: presence's own)`,
    `  connect+subscribe rate: off ${Math.round(rateOff)}/s, on ${Math.round(rateOn)}/s (on/off ${(rateOn / rateOff).toFixed(2)}; target ≥ 0.90)`,
    "",
  ].join("\n"),
);
