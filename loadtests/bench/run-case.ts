// One run of one target: start its nodes, measure at N=1k then N=5k, stop everything.
import { type PhaseCost, probePhase, type SyscallCount, traceSyscalls } from "./cost.js";
import { Crowd } from "./generator.js";
import { fixedRate, type LatencyResult, type Saturation, saturate } from "./phases.js";
import { type ServerNode, startNode, type Target } from "./targets.js";

export interface BenchPlan {
  /** Subscriber counts, ascending (the crowd grows from one to the next). */
  sizes: number[];
  /** Measured broadcasts per size (after a 10 % warm-up). */
  broadcasts: Record<number, number>;
  /** Fixed latency rate per size, broadcasts/s (50 at 1k, 10 at 5k). */
  fixedRates: Record<number, number>;
  latencySeconds: number;
  /** Also measure latency at half of the measured saturation rate (where the p99 target applies). */
  halfSaturation: boolean;
  idleConnections: number;
  /** Also count syscalls per delivery under strace, in an extra saturation phase per size. */
  trace?: boolean;
}

export interface SizeResult {
  n: number;
  saturation: Saturation;
  fixed: LatencyResult;
  half?: LatencyResult;
  failedConnections: number;
  /** The servers' cost during the saturation phase. */
  cost?: PhaseCost;
  syscalls?: SyscallCount;
  /** Subscribed connections opened per second while the crowd grew to n (up to 2,000/s asked). */
  connectsPerSecond?: number;
}

export interface MemoryResult {
  connections: number;
  rssPerConnection: number;
  heapPerConnection: number;
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

async function startNodes(target: Target, redisUrl: string | undefined): Promise<ServerNode[]> {
  const nodes: ServerNode[] = [];
  try {
    for (let i = 0; i < target.nodes; i++)
      nodes.push(await startNode(target, i, target.redis ? redisUrl : undefined));
  } catch (error) {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    throw error;
  }
  return nodes;
}

/** Saturation and latency at each size, one fresh set of nodes. */
export async function runThroughput(
  target: Target,
  plan: BenchPlan,
  redisUrl?: string,
): Promise<SizeResult[]> {
  if (target.redis && !redisUrl) throw new Error(`${target.name} needs Redis`);
  const nodes = await startNodes(target, redisUrl);
  const crowd = new Crowd(
    target.dialect,
    nodes.map((n) => n.url),
  );
  const results: SizeResult[] = [];
  try {
    await crowd.connectPublisher();
    for (const n of plan.sizes) {
      const before = crowd.subscribers.length;
      const growStart = performance.now();
      await crowd.grow(n - before);
      const connectsPerSecond =
        ((crowd.subscribers.length - before) * 1000) / (performance.now() - growStart);
      const broadcasts = plan.broadcasts[n] ?? 500;
      const probed = await probePhase(nodes);
      const saturation = await saturate(
        crowd,
        Math.max(20, Math.round(broadcasts / 10)),
        broadcasts,
      );
      const cost = await probed(saturation.deliveries);
      const fixed = await fixedRate(crowd, plan.fixedRates[n] ?? 10, plan.latencySeconds);
      const result: SizeResult = {
        n,
        saturation,
        fixed,
        failedConnections: crowd.failed,
        cost,
        connectsPerSecond,
      };
      if (plan.trace) {
        // Fewer broadcasts: every syscall is slower under ptrace; counts per delivery stay.
        const traced = Math.max(20, Math.round(broadcasts / 5));
        result.syscalls = await traceSyscalls(
          nodes,
          async () => (await saturate(crowd, 0, traced)).deliveries,
        );
      }
      if (plan.halfSaturation) {
        result.half = await fixedRate(
          crowd,
          Math.max(1, Math.floor(saturation.broadcastsPerSecond / 2)),
          plan.latencySeconds,
        );
      }
      log(
        `${target.key} N=${n}: ${Math.round(saturation.deliveriesPerSecond)} deliveries/s${saturation.complete ? "" : " (INCOMPLETE)"}, ${cost.writesPerDelivery?.toFixed(3) ?? "?"} writes, ${cost.cpuMicrosPerDelivery.toFixed(1)} µs CPU per delivery${result.syscalls?.ok ? `, ${result.syscalls.perDelivery.toFixed(3)} syscalls per delivery (strace)` : ""}, p50/p99 ${fixed.p50.toFixed(1)}/${fixed.p99.toFixed(1)} ms @${fixed.rate}/s${result.half ? `, ${result.half.p50.toFixed(1)}/${result.half.p99.toFixed(1)} ms @${result.half.rate}/s` : ""}`,
      );
      results.push(result);
    }
  } finally {
    await crowd.close();
    await Promise.allSettled(nodes.map((n) => n.stop()));
  }
  return results;
}

/** Idle connections opened before the first memory reading, as a share of those measured. */
export const MEMORY_WARMUP_SHARE = 0.2;

/**
 * Memory per idle connection on one node: what `connections` more idle connections add, each
 * reading after gc, once a warm-up crowd (a fifth as many) is open. V8 grows its young generation
 * while the first crowd connects (by 10-30 MB, whatever the server); read from zero, that fixed
 * cost would be spread over the connections and move the figure by 1-2 KB between runs.
 */
export async function runMemory(target: Target, connections: number): Promise<MemoryResult> {
  const [node] = await startNodes({ ...target, nodes: 1, redis: false }, undefined);
  if (!node) throw new Error("no node started");
  const crowd = new Crowd(target.dialect, [node.url]);
  try {
    await crowd.idle(Math.round(connections * MEMORY_WARMUP_SHARE));
    const warm = crowd.subscribers.length;
    const before = await node.memory();
    await crowd.idle(connections);
    const open = crowd.subscribers.length - warm;
    if (open <= 0) throw new Error(`${target.name}: no idle connection opened`);
    const after = await node.memory();
    const result = {
      connections: open,
      rssPerConnection: (after.rss - before.rss) / open,
      heapPerConnection: (after.heapUsed - before.heapUsed) / open,
    };
    log(
      `${target.key} memory: ${(result.rssPerConnection / 1024).toFixed(1)} KB RSS, ${(result.heapPerConnection / 1024).toFixed(1)} KB heap per idle connection (${open} open)`,
    );
    return result;
  } finally {
    await crowd.close();
    await node.stop();
  }
}
