// The verdict of `npm run bench:hub -- --quick`: the hub against the raw ws loop measured in the
// same run, pair by pair, compared with the committed baseline ratios. A drop fails only when it
// is larger than the noise the same run measured between its own pairs. Pure.
import { median } from "./report.js";

/** One interleaved pair: the raw loop, then the hub, under the same load. */
export interface QuickPair {
  raw: { deliveriesPerSecond: number; writesPerDelivery?: number };
  hub: { deliveriesPerSecond: number; writesPerDelivery?: number };
}

/** The ratios the hub is expected to keep (committed in quick-baseline.json). */
export interface QuickBaseline {
  /** Hub deliveries/s ÷ raw deliveries/s. */
  throughputRatio: number;
  /** Hub write syscalls per delivery ÷ raw's (lower is better). */
  writesRatio: number;
}

/** Smallest noise allowance, whatever the pairs say: a few pairs can agree by chance. */
export const MIN_NOISE = 0.05;

export interface QuickFigure {
  name: string;
  /** The median over the pairs. */
  measured: number;
  baseline: number;
  /** Half the spread of the pairs' ratios (at least MIN_NOISE of the baseline). */
  noise: number;
  /** True when the figure moved the wrong way by more than the noise. */
  regressed: boolean;
  higherIsBetter: boolean;
}

function spread(values: number[]): number {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2) return Number.POSITIVE_INFINITY;
  return (Math.max(...finite) - Math.min(...finite)) / 2;
}

function figure(
  name: string,
  ratios: number[],
  baseline: number,
  higherIsBetter: boolean,
): QuickFigure {
  const measured = median(ratios);
  const noise = Math.max(spread(ratios), MIN_NOISE * baseline);
  const drop = higherIsBetter ? baseline - measured : measured - baseline;
  return {
    name,
    measured,
    baseline,
    noise,
    regressed: Number.isFinite(measured) && drop > noise,
    higherIsBetter,
  };
}

/** Judges the pairs against the baseline; figures without data (no /proc) are left out. */
export function judgeQuick(pairs: QuickPair[], baseline: QuickBaseline): QuickFigure[] {
  const figures = [
    figure(
      "deliveries/s, hub ÷ raw ws",
      pairs.map((p) => p.hub.deliveriesPerSecond / p.raw.deliveriesPerSecond),
      baseline.throughputRatio,
      true,
    ),
  ];
  const writes = pairs
    .filter((p) => p.hub.writesPerDelivery !== undefined && p.raw.writesPerDelivery)
    .map((p) => (p.hub.writesPerDelivery as number) / (p.raw.writesPerDelivery as number));
  if (writes.length > 0)
    figures.push(
      figure("write syscalls per delivery, hub ÷ raw ws", writes, baseline.writesRatio, false),
    );
  return figures;
}

/** The verdict as lines of text: one per figure, then PASS or the regressions. */
export function describeVerdict(figures: QuickFigure[]): string {
  const pct = (v: number) => `${Math.round(v * 100)} %`;
  const lines = figures.map(
    (f) =>
      `${f.regressed ? "REGRESSED" : "ok"}  ${f.name}: ${pct(f.measured)} (baseline ${pct(f.baseline)}, noise ±${pct(f.noise)}, ${f.higherIsBetter ? "higher" : "lower"} is better)`,
  );
  return lines.join("\n");
}
