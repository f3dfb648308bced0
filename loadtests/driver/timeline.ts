// Per-second buckets of a run (deliveries, delivery p99, errors by code), so a failed gate shows
// when things went wrong and how, not only that a percentile was missed.
import { LatencyHistogram } from "../lib/latency.js";
import { formatNumber } from "../lib/summary.js";

interface Second {
  delivered: number;
  latency: LatencyHistogram;
  errors: Map<string, number>;
}

/** Buckets are kept for at most this many seconds; later samples land in the last one. */
const MAX_SECONDS = 24 * 3600;

/** What happened in each second of a run. */
export class Timeline {
  private readonly seconds: Second[] = [];
  private readonly t0 = performance.now();

  private bucket(): Second {
    const i = Math.min(MAX_SECONDS, Math.floor((performance.now() - this.t0) / 1000));
    while (this.seconds.length <= i) {
      this.seconds.push({ delivered: 0, latency: new LatencyHistogram(), errors: new Map() });
    }
    return this.seconds[i] as Second;
  }

  /** One delivery and its latency in ms. */
  delivered(ms: number): void {
    const s = this.bucket();
    s.delivered++;
    s.latency.record(ms);
  }

  /** One failed operation, by a stable code (`connect_failed`, `close_1006`, `error_unavailable`). */
  error(code: string): void {
    const s = this.bucket();
    s.errors.set(code, (s.errors.get(code) ?? 0) + 1);
  }

  /** A fixed-width table, one row per second. */
  table(): string {
    const rows = this.seconds.map((s, i) => {
      const p99 = s.latency.percentile(99);
      const errors = [...s.errors].map(([code, n]) => `${code}=${n}`).join(" ");
      return [
        String(i),
        String(s.delivered),
        Number.isNaN(p99) ? "-" : formatNumber(p99),
        errors === "" ? "-" : errors,
      ];
    });
    const header = ["second", "delivered", "p99 ms", "errors by code"];
    const widths = header.map((h, i) =>
      Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)),
    );
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
    return [line(header), ...rows.map(line)].join("\n");
  }
}
