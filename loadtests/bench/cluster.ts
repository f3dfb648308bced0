// npm run bench:cluster [-- --seconds N] [--rate N]: what sharding buys. The same publish load
// over many channels goes once through one Redis primary (RedisBroker) and once through a Redis
// Cluster of 3 primaries (RedisClusterBroker, sharded pub/sub), with 6 bus nodes in this process
// each holding a third of the channels. Prints each Redis server's CPU seconds and commands, and
// each bus node's received messages, side by side. Containers only; traffic stays on this host.
import type { Redis } from "ioredis";
import type { Broker } from "../../service/bus/index.js";
import { RedisBroker, RedisClusterBroker } from "../../service/bus/redis/index.js";
import { RedisClusterContainer } from "../../testkit/redis-cluster.js";
import { RedisContainer } from "../../testkit/redis-container.js";

const NODES = 6;
const CHANNELS = 300;
/** Each channel is held by this many of the nodes (its subscribers sit on them). */
const HOLDERS = 2;

type Usage = { server: string; cpuSeconds: number; commands: number };

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

async function usage(server: string, admin: Redis): Promise<Usage> {
  const cpu = (await admin.info("cpu")) as string;
  const stats = (await admin.info("stats")) as string;
  const num = (text: string, key: string) => Number(new RegExp(`${key}:([\\d.]+)`).exec(text)?.[1]);
  return {
    server,
    cpuSeconds: num(cpu, "used_cpu_user") + num(cpu, "used_cpu_sys"),
    commands: num(stats, "total_commands_processed"),
  };
}

/** Publishes `rate`/s round-robin over the channels for `seconds`; counts what each node got. */
async function drive(
  brokers: Broker[],
  rate: number,
  seconds: number,
): Promise<{ received: number[]; failed: number; downs: number; elapsedMs: number }> {
  const received = brokers.map(() => 0);
  let failed = 0;
  let downs = 0;
  for (const b of brokers)
    b.onStatus((s) => {
      if (!s.up) downs++;
    });
  const channels = Array.from({ length: CHANNELS }, (_, i) => `bench:${i}`);
  for (const [n, b] of brokers.entries()) {
    b.onMessage(() => {
      received[n] = (received[n] ?? 0) + 1;
    });
    for (const [i, ch] of channels.entries())
      if ((i + n) % (NODES / HOLDERS) === 0) await b.subscribe(ch);
  }
  const total = rate * seconds;
  const started = Date.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const p = (brokers[i % NODES] as Broker)
      .publish({ ch: channels[i % CHANNELS] as string, data: `{"i":${i}}` })
      .catch(() => {
        failed++;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size > 500) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const elapsedMs = Date.now() - started;
  // Bounded settle: the last deliveries are a round trip away.
  const expected = total * HOLDERS;
  for (let i = 0; i < 100 && received.reduce((a, b) => a + b, 0) < expected; i++)
    await new Promise((r) => setTimeout(r, 20));
  return { received, failed, downs, elapsedMs };
}

async function measure(
  name: string,
  brokers: Broker[],
  admins: [string, Redis][],
  rate: number,
  seconds: number,
): Promise<void> {
  await Promise.all(brokers.map((b) => b.start()));
  const before = await Promise.all(admins.map(([s, a]) => usage(s, a)));
  const { received, failed, downs, elapsedMs } = await drive(brokers, rate, seconds);
  const after = await Promise.all(admins.map(([s, a]) => usage(s, a)));
  await Promise.all(brokers.map((b) => b.stop()));
  console.log(
    `\n${name}: ${rate} publishes/s over ${CHANNELS} channels for ${seconds} s (took ${elapsedMs} ms; ${failed} publishes failed; bus down ${downs} times)`,
  );
  for (const [i, a] of after.entries()) {
    const b = before[i] as Usage;
    const cpu = a.cpuSeconds - b.cpuSeconds;
    console.log(
      `  redis ${a.server}: CPU ${((cpu / seconds) * 100).toFixed(1)} % of a core, ${Math.round((a.commands - b.commands) / seconds)} commands/s`,
    );
  }
  console.log(
    `  bus nodes received (messages/s): ${received.map((r) => Math.round(r / seconds)).join(", ")} (expected ${(rate * HOLDERS) / NODES} each)`,
  );
}

const seconds = flag("seconds", 10);
const rate = flag("rate", 2000);
const sizes = { historySize: 100, historyTtlSeconds: 300, dedupeSeconds: 120 };

const single = await new RedisContainer().start();
const cluster = await new RedisClusterContainer()
  .withPrimaries(3)
  .withReplicasPerPrimary(0)
  .start();
const admins: Redis[] = [];
try {
  const singleAdmin = await single.admin();
  admins.push(singleAdmin);
  await measure(
    "one primary (RedisBroker, PUBLISH/SUBSCRIBE)",
    Array.from(
      { length: NODES },
      (_, n) => new RedisBroker({ ...sizes, url: single.url, minReplicas: 0, nodeId: `b${n}` }),
    ),
    [["single", singleAdmin]],
    rate,
    seconds,
  );
  const shardAdmins: [string, Redis][] = [];
  for (const p of await cluster.primaries()) {
    const a = await cluster.admin(cluster.node(p.key));
    admins.push(a);
    shardAdmins.push([p.key, a]);
  }
  const nodes = cluster.nodes.split(",").map((k) => {
    const [host = "", port = ""] = k.split(":");
    return { host, port: Number(port) };
  });
  await measure(
    "3 shards (RedisClusterBroker, SPUBLISH/SSUBSCRIBE)",
    Array.from(
      { length: NODES },
      (_, n) => new RedisClusterBroker({ ...sizes, nodes, minReplicas: 0, nodeId: `c${n}` }),
    ),
    shardAdmins,
    rate,
    seconds,
  );
} finally {
  for (const a of admins) a.disconnect();
  await single.stop();
  await cluster.stop();
}
