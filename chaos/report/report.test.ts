import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { verdict } from "../invariants.js";
import type { ClientEvent, Recording } from "../recording.js";
import { CHART_COLORS, timeline, timelineSvg, writeReport, writeSummary } from "./index.js";

const T0 = 1_000_000;

function recording(): Recording {
  const events: ClientEvent[] = [
    { t: T0 + 100, type: "open", node: "n1" },
    { t: T0 + 200, type: "msg", ch: "a", seq: 1, latencyMs: 5 },
    { t: T0 + 300, type: "msg", ch: "a", seq: 2, latencyMs: 50 },
    { t: T0 + 1500, type: "close", code: 1006, reason: "", willReconnect: true },
    { t: T0 + 2500, type: "open", node: "n2" },
    { t: T0 + 2600, type: "msg", ch: "a", seq: 3, latencyMs: 7 },
  ];
  return {
    startedAt: T0,
    endedAt: T0 + 3000,
    clients: [{ id: "c1", events }],
    acks: [],
    failures: [],
  };
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("timeline", () => {
  it("counts deliveries, connected clients and p99 per second", () => {
    expect(timeline(recording())).toEqual([
      { second: 0, deliveries: 2, connected: 1, p99Ms: 50 },
      { second: 1, deliveries: 0, connected: 0, p99Ms: null },
      { second: 2, deliveries: 1, connected: 1, p99Ms: 7 },
    ]);
  });

  it("draws three panels, a marker per fault, time ticks with their unit and the bound", () => {
    const svg = timelineSvg(
      timeline(recording()),
      [{ label: "kill <n1>", atMs: 1400, endMs: 2000 }],
      { deliveryBoundMs: 300 },
    );
    // Deliveries and clients are lines; p99 breaks where no message arrived, leaving two dots.
    expect(svg.match(/<polyline/g)?.length).toBe(2);
    expect(svg.match(/<circle/g)?.length).toBe(2);
    expect(svg).toContain("kill &#60;n1&#62;");
    expect(svg).toContain('stroke-dasharray="4 3"');
    expect(svg).toContain("time since the scenario started (s)");
    for (const s of [0, 1, 2, 3]) expect(svg).toContain(`text-anchor="middle">${s}</text>`);
    expect(svg).toContain(`stroke="${CHART_COLORS.bound}"`);
    expect(svg).toContain("bound 300 ms");
  });

  it("puts fault labels that would overlap on separate rows", () => {
    const faults = Array.from({ length: 5 }, (_, i) => ({
      label: `fault number ${i} with a long label`,
      atMs: 1000 + 50 * i,
    }));
    const svg = timelineSvg(timeline(recording()), faults);
    const ys = [
      ...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" font-size="10" fill="#d62728">/g),
    ].map((m) => m[1]);
    expect(ys).toHaveLength(5);
    expect(new Set(ys).size).toBe(5);
  });
});

describe("writeReport and writeSummary", () => {
  it("writes report.json, report.md with the failed invariant and a linked SVG, then a summary", async () => {
    const run = await mkdtemp(join(tmpdir(), "chaos-report-"));
    dirs.push(run);
    const report = await writeReport(join(run, "s1-demo"), {
      scenario: "s1-demo",
      title: "demo",
      bound: "back within 1000 ms",
      settings: { stack: "dev" },
      faults: [{ label: "kill n1", atMs: 1400 }],
      invariants: [
        verdict("ok one", []),
        verdict("lossless", ["c1 missed a seq 9"], { missing: 1 }),
      ],
      figures: { recoveredMs: 1000 },
      costBounds: { longestDisconnectMs: 500 },
      recording: recording(),
    });
    expect(report.outcome).toBe("fail");
    const json = JSON.parse(await readFile(join(run, "s1-demo", "report.json"), "utf8"));
    expect(json.faults).toEqual([{ label: "kill n1", atMs: 1400 }]);
    const md = await readFile(join(run, "s1-demo", "report.md"), "utf8");
    expect(md).toContain("| lossless | **FAIL** | missing=1 |");
    expect(md).toContain("- c1 missed a seq 9");
    expect(md).toContain("![timeline](timeline.svg)");
    expect(await readFile(join(run, "s1-demo", "timeline.svg"), "utf8")).toMatch(/^<svg/);
    const all = await writeSummary(run);
    expect(all.map((r) => r.outcome)).toEqual(["fail"]);
    expect(md).toContain("| longest client disconnection | 1000 | 500 | **no** |");
    expect(md).toContain("| longest delivery delay | 50 | - | no bound |");
    const summary = await readFile(join(run, "summary.md"), "utf8");
    expect(summary).toContain("[s1-demo](s1-demo/report.md) | **FAIL**");
    expect(summary).toContain(
      "delay 0.1 s · refused 0.0 s · disconnected 1.0 s (**over bound**: longestDisconnectMs)",
    );
  });
});
