import { describe, expect, it } from "vitest";
import {
  costTable,
  median,
  memoryTable,
  replaceSection,
  straceNotes,
  summarize,
  type TargetRuns,
  throughputSvg,
  throughputTable,
} from "./report.js";
import type { SizeResult } from "./run-case.js";

function size(n: number, dps: number, p99: number, complete = true): SizeResult {
  return {
    n,
    saturation: {
      deliveriesPerSecond: dps,
      broadcastsPerSecond: dps / n,
      complete,
      deliveries: dps,
    },
    fixed: { rate: 50, p50: p99 / 2, p99, missing: 0 },
    failedConnections: 0,
  };
}

const raw: TargetRuns = {
  key: "raw",
  name: "raw ws",
  runs: [[size(1000, 200_000, 10)], [size(1000, 250_000, 12)], [size(1000, 240_000, 30)]],
  memory: { connections: 10_000, rssPerConnection: 5_000, heapPerConnection: 2_000 },
};
const hub: TargetRuns = {
  key: "hub",
  name: "wshub",
  runs: [[size(1000, 220_000, 9)], [size(1000, 180_000, 8, false)], [size(1000, 260_000, 11)]],
  memory: { connections: 10_000, rssPerConnection: 7_500, heapPerConnection: 3_000 },
};

describe("bench report", () => {
  it("takes medians over runs and flags a case with an incomplete run", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([Number.NaN])).toBeNaN();
    const [s] = summarize(hub);
    expect(s).toMatchObject({ n: 1000, deliveriesPerSecond: 220_000, p99: 9, complete: false });
  });

  it("writes ratios against the raw ws row", () => {
    const table = throughputTable([raw, hub], "raw");
    const hubRow = table.split("\n").find((l) => l.startsWith("| wshub"));
    // 220k / 240k = 92 %
    expect(hubRow).toContain("| 220k (incomplete) | 92 % |");
    expect(table.split("\n")[0]).toContain("@50/s");
    expect(memoryTable([raw, hub], "raw")).toContain("| wshub | 7.3 KB | 2.9 KB | 150 % | 10000 |");
  });

  it("draws one bar per case and size, scaled to the largest", () => {
    const svg = throughputSvg([raw, hub]);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<rect /g)).toHaveLength(2 + 1);
    expect(svg).toContain('width="380"');
  });

  it("replaces only its own section of the document", () => {
    const doc = "# B\n\n<!-- a -->\nold a\n<!-- /a -->\n\n<!-- b -->\nkeep b\n<!-- /b -->\n";
    const next = replaceSection(doc, "a", "new a");
    expect(next).toContain("<!-- a -->\nnew a\n<!-- /a -->");
    expect(next).toContain("keep b");
    expect(replaceSection("# B\n", "c", "x")).toBe("# B\n\n<!-- c -->\nx\n<!-- /c -->\n");
  });

  it("puts each case's cost per delivery in a row per size, medians over runs", () => {
    const withCost = (r: SizeResult, writes: number, cpu: number): SizeResult => ({
      ...r,
      cost: {
        deliveries: 1000,
        writesPerDelivery: writes,
        bytesPerDelivery: 130,
        cpuMicrosPerDelivery: cpu,
        loopUtilization: 0.97,
        loopDelayP99Ms: 12.3,
      },
      syscalls: { ok: true, deliveries: 500, perDelivery: 0.25, byName: { writev: 100 } },
    });
    const traced: TargetRuns = {
      key: "hub",
      name: "wshub",
      runs: [
        [withCost(size(1000, 1, 1), 0.1, 3)],
        [withCost(size(1000, 1, 1), 0.3, 5)],
        [withCost(size(1000, 1, 1), 0.2, 4)],
      ],
    };
    const untraced: TargetRuns = {
      key: "raw",
      name: "raw ws",
      runs: [[{ ...size(1000, 1, 1), syscalls: { ok: false, reason: "strace is not installed" } }]],
    };
    const table = costTable([traced, untraced]).split("\n");
    expect(table[0]).toMatch(/^\| case \| N \| write syscalls \/ delivery \|/);
    expect(table[2]).toBe("| wshub | 1.0k | 0.200 | 0.250 | 130 | 4.00 | 97 % | 12.3 |");
    // A case measured without probes has no row.
    expect(table).toHaveLength(3);
    expect(straceNotes([traced, untraced])).toEqual(["Syscall counts: strace is not installed."]);
  });
});
