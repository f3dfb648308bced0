// npm run bench:reconnect [-- --clients N] [--runs N] [--base <other build>/dist/service/main.js]:
// what a reconnect storm costs the node that absorbs it. Hub A holds N clients (token in the
// header, one channel each, 10 publishes/s on 30 channels from a publisher on B); A is SIGKILLed
// and every client reconnects to hub B and resubscribes with `since`. Prints B's CPU per
// reconnect (from /proc, its idle rate taken out) and this process's (the SDK clients'), median of
// the runs; with --base, the same for that build's hub, alternated, and the ratio new/base.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import { createNodeClient } from "../../service/client/node.js";
import { ensureHubBuilt, HUB_ENTRY, startHubProcess } from "../harness/hub-process.js";
import { startRedis } from "../harness/redis.js";
import { BenchUsageError } from "./bench-run.js";

const SECRET = "bench-reconnect-secret-0123456789-0123456789";
const API_KEY = "bench-reconnect-api-key-0123456789-0123456789";
const ROOMS = Array.from({ length: 30 }, (_, i) => `room:${i}`);
/** Bounds the wait for the whole fleet to be back on B. */
const STORM_BOUND_MS = 30_000;

/** The storm did not complete: some clients never came back to the surviving hub. */
export class ReconnectBenchError extends Error {
  override readonly name = "ReconnectBenchError";
}

type Sample = { hubUs: number; clientUs: number; backMs: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system, ms) of a process, from /proc. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** One storm of `n` reconnects onto a hub started from `entry`. */
async function storm(entry: string, n: number): Promise<Sample> {
  const redis = await startRedis();
  const env = {
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    AUTH_JWT_SECRET: SECRET,
    API_KEY,
    HISTORY_SIZE: "100",
  };
  const a = await startHubProcess({ nodeId: "a", redisUrl: redis.url, env, entry });
  const b = await startHubProcess({ nodeId: "b", redisUrl: redis.url, env, entry });
  const token = await new SignJWT({ channels: ["room:*"] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("bench")
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(SECRET));
  const options = { token, heartbeatTimeoutMs: 60_000 };
  const clients = Array.from({ length: n }, () =>
    createNodeClient({ ...options, urls: [a.wsUrl, b.wsUrl] }),
  );
  const publisher = createNodeClient({ ...options, urls: b.wsUrl });
  let timer: NodeJS.Timeout | undefined;
  try {
    let resubscribed = 0;
    for (const c of clients) {
      c.on("error", () => {});
      c.on("subscribed", () => resubscribed++);
    }
    for (let i = 0; i < n; i += 100) {
      const batch = clients.slice(i, i + 100);
      await Promise.all(
        batch.map((c, k) => c.connect().then(() => c.subscribe(ROOMS[(i + k) % 30]!))),
      );
    }
    await publisher.connect();
    let sent = 0;
    timer = setInterval(
      () => void publisher.publish(ROOMS[sent++ % 30]!, { sent }).catch(() => {}),
      100,
    );
    await sleep(2_000);
    const pid = b.process.child.pid ?? 0;
    const idle0 = cpuMs(pid);
    await sleep(2_000);
    const idlePerMs = (cpuMs(pid) - idle0) / 2_000;
    resubscribed = 0;
    const hub0 = cpuMs(pid);
    const own0 = process.cpuUsage();
    const t0 = Date.now();
    a.process.child.kill("SIGKILL");
    while (resubscribed < n && Date.now() - t0 < STORM_BOUND_MS) await sleep(20);
    const backMs = Date.now() - t0;
    const own = process.cpuUsage(own0);
    const hubMs = cpuMs(pid) - hub0 - idlePerMs * backMs;
    if (resubscribed < n)
      throw new ReconnectBenchError(
        `only ${resubscribed}/${n} clients came back within ${STORM_BOUND_MS} ms: check the hubs' output, or run fewer --clients`,
      );
    return { hubUs: (hubMs * 1000) / n, clientUs: (own.user + own.system) / n, backMs };
  } finally {
    clearInterval(timer);
    for (const c of [...clients, publisher]) c.close();
    await b.stop();
    await a.stop();
    await redis.stop();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "1000" },
    runs: { type: "string", default: "3" },
    base: { type: "string" },
  },
});
const n = Number(values.clients);
const runs = Number(values.runs);
if (
  !Number.isInteger(n) ||
  n < 100 ||
  n > 5000 ||
  !Number.isInteger(runs) ||
  runs < 1 ||
  runs > 9
) {
  throw new BenchUsageError(
    "usage: npm run bench:reconnect -- [--clients 100..5000] [--runs 1..9] [--base <dist/service/main.js of another build>]",
  );
}
ensureHubBuilt();
const builds: [string, string][] = [["this build", HUB_ENTRY]];
if (values.base) builds.push(["base", values.base]);
const samples = new Map<string, Sample[]>(builds.map(([name]) => [name, []]));
// Alternated, so a machine getting busier does not favour one side.
for (let i = 0; i < runs; i++) {
  for (const [name, entry] of builds) samples.get(name)?.push(await storm(entry, n));
  process.stderr.write(`[bench] run ${i + 1}/${runs} done\n`);
}
const lines = [
  `reconnect bench: ${n} clients move from a killed hub to another, median of ${runs} runs`,
];
const hubOf = (name: string) => median((samples.get(name) ?? []).map((s) => s.hubUs));
for (const [name] of builds) {
  const list = samples.get(name) ?? [];
  lines.push(
    `  ${name}: hub CPU ${hubOf(name).toFixed(0)} µs per reconnect (runs ${list.map((s) => s.hubUs.toFixed(0)).join("/")}), clients ${median(list.map((s) => s.clientUs)).toFixed(0)} µs, all back in ${median(list.map((s) => s.backMs)).toFixed(0)} ms`,
  );
}
if (values.base)
  lines.push(
    `  hub CPU per reconnect, this build / base: ${(hubOf("this build") / hubOf("base")).toFixed(2)}`,
  );
process.stdout.write(`${lines.join("\n")}\n`);
process.exit(0);
