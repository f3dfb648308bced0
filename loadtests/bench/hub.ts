// npm run bench:hub [-- --runs N] [--no-write]: one hub node against the raw ws floor in the
// same run: deliveries/s at 1k and 5k subscribers, where the time goes, p50/p99 at fixed rates
// and at half of the measured saturation, memory per idle connection at 10k.
// With --quick: the regression check of quick.ts instead (CI, under two minutes).
import { benchCli, runBench } from "./bench-run.js";
import { runQuickCheck } from "./quick.js";
import type { BenchPlan } from "./run-case.js";

const FULL: BenchPlan = {
  sizes: [1_000, 5_000],
  broadcasts: { 1000: 2_000, 5000: 500 },
  fixedRates: { 1000: 50, 5000: 10 },
  latencySeconds: 10,
  halfSaturation: true,
  idleConnections: 10_000,
  trace: true,
};

const USAGE = `usage: npm run bench:hub -- [--quick] [--runs 1..9] [--no-write]
One hub node against the raw ws floor: deliveries/s at 1k and 5k subscribers, latency, memory per
idle connection; writes docs/benchmarks.md unless --no-write.
--quick: the regression check (under 2 minutes, writes nothing): interleaved raw/hub pairs judged
against loadtests/bench/quick-baseline.json, failing only on a drop larger than their own spread.
exit codes: 0 done, 2 bad usage, 1 the bench failed or (--quick) the hub regressed`;

process.exitCode = await benchCli("bench:hub", USAGE, false, (flags) =>
  flags.quick
    ? runQuickCheck()
    : runBench({
        section: "bench:hub",
        title: "One hub node against the raw ws floor (`npm run bench:hub`)",
        targetKeys: ["raw", "hub"],
        memoryKeys: ["raw", "hub"],
        plan: FULL,
        runs: flags.runs ?? 1,
        chart: false,
        write: flags.write,
        notes: [
          "Targets: deliveries/s ≥ 80 % of the raw ws floor; p99 < 50 ms at half of the",
          "saturation rate; < 16 KB per idle connection. The half-saturation rate is each case's own",
          "measured saturation broadcasts/s divided by two.",
        ],
      }),
);
