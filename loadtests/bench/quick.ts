// `npm run bench:hub -- --quick`: a regression check for CI, under two minutes. One raw ws node
// and one hub node stay up with their subscribers; saturation phases alternate raw, hub, raw,
// hub… so both see the same load; the pairs' ratios are judged against quick-baseline.json,
// failing only on a drop larger than the spread between the pairs themselves.
import { readFileSync } from "node:fs";
import { ensureHubBuilt } from "../harness/hub-process.js";
import { probePhase } from "./cost.js";
import { Crowd } from "./generator.js";
import { loadNow } from "./machine.js";
import { saturate } from "./phases.js";
import {
  describeVerdict,
  judgeQuick,
  type QuickBaseline,
  type QuickPair,
} from "./quick-verdict.js";
import { type ServerNode, startNode, TARGETS } from "./targets.js";

const SUBSCRIBERS = 1_000;
const BROADCASTS = 100;
/** Pairs: at least MIN_PAIRS (the noise needs a spread), more while the time budget lasts. */
const MIN_PAIRS = 3;
const MAX_PAIRS = 5;
const PAIRS_BUDGET_MS = 45_000;

/** A regression larger than the run's own noise; the message carries the figures. */
export class BenchRegressionError extends Error {
  override readonly name = "BenchRegressionError";
}

function log(line: string): void {
  process.stderr.write(`[bench:hub --quick] ${line}\n`);
}

function baseline(): QuickBaseline {
  const file = new URL("./quick-baseline.json", import.meta.url);
  return JSON.parse(readFileSync(file, "utf8")) as QuickBaseline;
}

/** Saturation once, probed: deliveries/s and write syscalls per delivery. */
async function phase(crowd: Crowd, node: ServerNode) {
  const probed = await probePhase([node]);
  const s = await saturate(crowd, 20, BROADCASTS);
  const cost = await probed(s.deliveries);
  if (!s.complete) throw new Error("a broadcast did not reach every subscriber");
  return { deliveriesPerSecond: s.deliveriesPerSecond, writesPerDelivery: cost.writesPerDelivery };
}

/** Runs the pairs, prints the verdict; throws BenchRegressionError on a regression. */
export async function runQuickCheck(): Promise<string> {
  const t0 = performance.now();
  ensureHubBuilt();
  const keys = ["raw", "hub"] as const;
  const nodes: ServerNode[] = [];
  const crowds: Crowd[] = [];
  const pairs: QuickPair[] = [];
  const loads: string[] = [];
  try {
    for (const key of keys) {
      const target = TARGETS.find((t) => t.key === key);
      if (!target) throw new Error(`the bench has no ${key} target`);
      const node = await startNode(target, 0);
      nodes.push(node);
      const crowd = new Crowd(target.dialect, [node.url]);
      crowds.push(crowd);
      await crowd.connectPublisher();
      await crowd.grow(SUBSCRIBERS);
      if (crowd.failed > 0) throw new Error(`${crowd.failed} ${key} subscribers did not connect`);
    }
    const [rawCrowd, hubCrowd] = crowds as [Crowd, Crowd];
    const [rawNode, hubNode] = nodes as [ServerNode, ServerNode];
    // One unmeasured pair first: JIT warm-up of both servers.
    await phase(rawCrowd, rawNode);
    await phase(hubCrowd, hubNode);
    const pairsStart = performance.now();
    for (let i = 0; i < MAX_PAIRS; i++) {
      if (i >= MIN_PAIRS && performance.now() - pairsStart > PAIRS_BUDGET_MS) break;
      loads.push(loadNow());
      const raw = await phase(rawCrowd, rawNode);
      const hub = await phase(hubCrowd, hubNode);
      log(
        `pair ${i + 1}: raw ${Math.round(raw.deliveriesPerSecond)}/s, hub ${Math.round(hub.deliveriesPerSecond)}/s (${Math.round((hub.deliveriesPerSecond / raw.deliveriesPerSecond) * 100)} %)`,
      );
      pairs.push({ raw, hub });
    }
  } finally {
    await Promise.allSettled(crowds.map((c) => c.close()));
    await Promise.allSettled(nodes.map((n) => n.stop()));
  }
  const figures = judgeQuick(pairs, baseline());
  const text = [
    `bench:hub --quick: ${pairs.length} interleaved pairs at N=${SUBSCRIBERS}, ${BROADCASTS} broadcasts each, ${((performance.now() - t0) / 1000).toFixed(0)} s; 1-minute load average per pair: ${loads.join(", ")}`,
    describeVerdict(figures),
  ].join("\n");
  process.stdout.write(`${text}\n`);
  if (figures.some((f) => f.regressed))
    throw new BenchRegressionError(
      "the hub regressed against the raw ws loop by more than this run's noise (see above)",
    );
  return text;
}
