// Turning bench runs into medians, ratios against the raw ws floor, a Markdown table and an SVG
// chart. Pure.
import type { MemoryResult, SizeResult } from "./run-case.js";

export interface TargetRuns {
  key: string;
  name: string;
  /** One entry per run, each with one result per size. */
  runs: SizeResult[][];
  memory?: MemoryResult;
}

export interface SizeSummary {
  n: number;
  deliveriesPerSecond: number;
  fixedRate: number;
  p50: number;
  p99: number;
  half?: { rate: number; p50: number; p99: number };
  /** Every run delivered every broadcast to every subscriber. */
  complete: boolean;
}

/** The median of the finite values; NaN when there are none. */
export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Medians over runs, per subscriber count. */
export function summarize(target: TargetRuns): SizeSummary[] {
  const sizes = [...new Set(target.runs.flat().map((r) => r.n))].sort((a, b) => a - b);
  return sizes.map((n) => {
    const at = target.runs
      .map((run) => run.find((r) => r.n === n))
      .filter((r): r is SizeResult => r !== undefined);
    const halves = at.map((r) => r.half).filter((h) => h !== undefined);
    const summary: SizeSummary = {
      n,
      deliveriesPerSecond: median(at.map((r) => r.saturation.deliveriesPerSecond)),
      fixedRate: at[0]?.fixed.rate ?? Number.NaN,
      p50: median(at.map((r) => r.fixed.p50)),
      p99: median(at.map((r) => r.fixed.p99)),
      complete: at.every(
        (r) => r.saturation.complete && r.fixed.missing === 0 && (r.half?.missing ?? 0) === 0,
      ),
    };
    if (halves.length > 0) {
      summary.half = {
        rate: median(halves.map((h) => h.rate)),
        p50: median(halves.map((h) => h.p50)),
        p99: median(halves.map((h) => h.p99)),
      };
    }
    return summary;
  });
}

function k(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return value >= 10_000 ? `${Math.round(value / 1000)}k` : `${(value / 1000).toFixed(1)}k`;
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function ratio(value: number, reference: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference === 0) return "–";
  return `${Math.round((value / reference) * 100)} %`;
}

/** The throughput/latency table; ratios are against the target with key `referenceKey`. */
export function throughputTable(targets: TargetRuns[], referenceKey: string): string {
  const summaries = new Map(targets.map((t) => [t.key, summarize(t)]));
  const reference = summaries.get(referenceKey) ?? [];
  const sizes = reference.map((s) => s.n);
  const withHalf = targets.some((t) => t.runs.flat().some((r) => r.half));
  const header = ["case"];
  for (const n of sizes) header.push(`deliveries/s N=${k(n)}`, `vs raw ws`);
  for (const n of sizes)
    header.push(`p50/p99 ms N=${k(n)} @${reference.find((s) => s.n === n)?.fixedRate ?? "?"}/s`);
  if (withHalf) for (const n of sizes) header.push(`p50/p99 ms N=${k(n)} @½ saturation`);
  const rows = targets.map((t) => {
    const own = summaries.get(t.key) ?? [];
    const cells = [t.name];
    for (const n of sizes) {
      const s = own.find((x) => x.n === n);
      const ref = reference.find((x) => x.n === n);
      cells.push(s ? `${k(s.deliveriesPerSecond)}${s.complete ? "" : " (incomplete)"}` : "–");
      cells.push(s && ref ? ratio(s.deliveriesPerSecond, ref.deliveriesPerSecond) : "–");
    }
    for (const n of sizes) {
      const s = own.find((x) => x.n === n);
      cells.push(s ? `${ms(s.p50)} / ${ms(s.p99)}` : "–");
    }
    if (withHalf) {
      for (const n of sizes) {
        const h = own.find((x) => x.n === n)?.half;
        cells.push(h ? `${ms(h.p50)} / ${ms(h.p99)} @${Math.round(h.rate)}/s` : "–");
      }
    }
    return cells;
  });
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits);
}

/**
 * Where each case's time went during saturation, medians over runs: write syscalls, every
 * syscall (strace), bytes and CPU per delivery, event-loop busy share and delay.
 */
export function costTable(targets: TargetRuns[]): string {
  const header = [
    "case",
    "N",
    "write syscalls / delivery",
    "all syscalls / delivery (strace)",
    "bytes / delivery",
    "CPU µs / delivery",
    "event loop busy",
    "loop delay p99 ms",
  ];
  const rows: string[][] = [];
  for (const t of targets) {
    const sizes = [...new Set(t.runs.flat().map((r) => r.n))].sort((a, b) => a - b);
    for (const n of sizes) {
      const at = t.runs.flat().filter((r) => r.n === n);
      const costs = at.map((r) => r.cost).filter((c) => c !== undefined);
      if (costs.length === 0) continue;
      const of = (pick: (c: (typeof costs)[number]) => number | undefined) =>
        median(costs.map(pick).filter((v): v is number => v !== undefined));
      const traced = at.map((r) => r.syscalls).filter((c) => c?.ok === true);
      rows.push([
        t.name,
        k(n),
        fixed(
          of((c) => c.writesPerDelivery),
          3,
        ),
        traced.length > 0 ? fixed(median(traced.map((c) => c.perDelivery)), 3) : "–",
        fixed(
          of((c) => c.bytesPerDelivery),
          0,
        ),
        fixed(
          of((c) => c.cpuMicrosPerDelivery),
          2,
        ),
        `${fixed(of((c) => c.loopUtilization) * 100, 0)} %`,
        fixed(
          of((c) => c.loopDelayP99Ms),
          1,
        ),
      ]);
    }
  }
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** Why syscall counts are missing, once per distinct reason (empty when every phase was traced). */
export function straceNotes(targets: TargetRuns[]): string[] {
  const reasons = new Set<string>();
  for (const r of targets.flatMap((t) => t.runs.flat()))
    if (r.syscalls && !r.syscalls.ok) reasons.add(r.syscalls.reason);
  return [...reasons].map((reason) => `Syscall counts: ${reason}.`);
}

/** Memory per idle connection, with the ratio against the reference. */
export function memoryTable(targets: TargetRuns[], referenceKey: string): string {
  const measured = targets.filter((t) => t.memory);
  const ref = targets.find((t) => t.key === referenceKey)?.memory;
  const rows = measured.map((t) => {
    const m = t.memory as MemoryResult;
    return `| ${t.name} | ${(m.rssPerConnection / 1024).toFixed(1)} KB | ${(m.heapPerConnection / 1024).toFixed(1)} KB | ${ref ? ratio(m.rssPerConnection, ref.rssPerConnection) : "–"} | ${m.connections} |`;
  });
  return [
    "| case | RSS per idle connection | heap per idle connection | RSS vs raw ws | connections |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A grouped horizontal bar chart of median deliveries/s per case and subscriber count. */
export function throughputSvg(targets: TargetRuns[]): string {
  const data = targets.map((t) => ({ name: t.name, sizes: summarize(t) }));
  const sizes = [...new Set(data.flatMap((d) => d.sizes.map((s) => s.n)))].sort((a, b) => a - b);
  const max = Math.max(
    1,
    ...data.flatMap((d) =>
      d.sizes.map((s) => (Number.isFinite(s.deliveriesPerSecond) ? s.deliveriesPerSecond : 0)),
    ),
  );
  const colors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"];
  const labelWidth = 260;
  const barWidth = 380;
  const barHeight = 14;
  const groupHeight = sizes.length * (barHeight + 2) + 12;
  const top = 30;
  const height = top + data.length * groupHeight + 30;
  const width = labelWidth + barWidth + 80;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<text x="8" y="18" font-weight="bold">Median deliveries per second (higher is better)</text>`,
  ];
  data.forEach((d, gi) => {
    const y0 = top + gi * groupHeight;
    parts.push(`<text x="8" y="${y0 + barHeight}">${escapeXml(d.name)}</text>`);
    sizes.forEach((n, si) => {
      const s = d.sizes.find((x) => x.n === n);
      const v = s && Number.isFinite(s.deliveriesPerSecond) ? s.deliveriesPerSecond : 0;
      const w = Math.max(1, Math.round((v / max) * barWidth));
      const y = y0 + si * (barHeight + 2);
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${w}" height="${barHeight}" fill="${colors[si % colors.length]}"/>`,
        `<text x="${labelWidth + w + 4}" y="${y + barHeight - 3}">${k(v)}</text>`,
      );
    });
  });
  const legendY = top + data.length * groupHeight + 10;
  sizes.forEach((n, si) => {
    const x = labelWidth + si * 110;
    parts.push(
      `<rect x="${x}" y="${legendY}" width="12" height="12" fill="${colors[si % colors.length]}"/>`,
      `<text x="${x + 16}" y="${legendY + 10}">N = ${n.toLocaleString("en-US")}</text>`,
    );
  });
  parts.push("</svg>", "");
  return parts.join("\n");
}

/** Replaces the text between `<!-- name -->` and `<!-- /name -->` (appends the block when absent). */
export function replaceSection(doc: string, name: string, content: string): string {
  const open = `<!-- ${name} -->`;
  const close = `<!-- /${name} -->`;
  const block = `${open}\n${content.trim()}\n${close}`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start >= 0 && end > start) return doc.slice(0, start) + block + doc.slice(end + close.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}
