// The timeline chart checked as a picture: headless Chromium renders the SVG, and the PNG must
// show every series, the bound and the fault marks in their colours.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientEvent, Recording } from "../../recording.js";
import { screenshot } from "../../rig/index.js";
import { CHART_COLORS, svgSize, timeline, timelineSvg } from "../index.js";

const T0 = 1_000_000;
// A series drawn as a 2 px line over 60 s leaves hundreds of pixels; a few stray ones are not it.
const MIN_PIXELS = 40;

/** 60 s of 10 clients: one drops for 5 s at 20 s, latency spikes while it is away. */
function recording(): Recording {
  const clients = Array.from({ length: 10 }, (_, c) => {
    const events: ClientEvent[] = [{ t: T0 + 50, type: "open", node: "n1" }];
    for (let s = 0; s < 60; s += 1) {
      if (c === 0 && s === 20)
        events.push({ t: T0 + 20_000, type: "close", code: 1006, reason: "", willReconnect: true });
      if (c === 0 && s === 25) events.push({ t: T0 + 25_000, type: "open", node: "n2" });
      if (c === 0 && s >= 20 && s < 25) continue;
      const latencyMs = s >= 20 && s < 27 ? 400 + 50 * (s - 20) : 20 + (s % 5);
      events.push({ t: T0 + s * 1000 + 100, type: "msg", ch: "a", seq: s + 1, latencyMs });
    }
    return { id: `c${c}`, events };
  });
  return { startedAt: T0, endedAt: T0 + 60_000, clients, acks: [], failures: [] };
}

function hex(color: string): [number, number, number] {
  return [1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16)) as [
    number,
    number,
    number,
  ];
}

/** How many pixels of each named colour the PNG holds (within a small tolerance). */
function colourCounts(png: PNG, colors: Record<string, string>): Record<string, number> {
  const targets = Object.entries(colors).map(([name, c]) => [name, hex(c)] as const);
  const counts: Record<string, number> = Object.fromEntries(targets.map(([n]) => [n, 0]));
  for (let i = 0; i < png.data.length; i += 4) {
    for (const [name, [r, g, b]] of targets) {
      const d =
        Math.abs(png.data[i]! - r) +
        Math.abs(png.data[i + 1]! - g) +
        Math.abs(png.data[i + 2]! - b);
      if (d <= 24) counts[name]! += 1;
    }
  }
  return counts;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chart-picture-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function render(name: string, svg: string): Promise<PNG> {
  const file = join(dir, `${name}.svg`);
  const out = join(dir, `${name}.png`);
  await writeFile(file, svg);
  await screenshot(file, out, svgSize(svg));
  if (process.env.CHART_PICTURE_DIR)
    await writeFile(join(process.env.CHART_PICTURE_DIR, `${name}.png`), await readFile(out));
  return PNG.sync.read(await readFile(out));
}

/** The series (and marks) the picture lacks. */
function missing(counts: Record<string, number>): string[] {
  return Object.entries(counts)
    .filter(([, n]) => n < MIN_PIXELS)
    .map(([name]) => name);
}

describe("the timeline chart as a picture", () => {
  it("shows every series, the bound and the faults in their colours", async () => {
    const svg = timelineSvg(
      timeline(recording()),
      [
        { label: "SIGKILL hub n1", atMs: 20_000, endMs: 25_000 },
        { label: "restart n1", atMs: 20_500 },
      ],
      { deliveryBoundMs: 300 },
    );
    const png = await render("full", svg);
    expect(png.width).toBe(svgSize(svg).width);
    const counts = colourCounts(png, CHART_COLORS);
    expect(missing(counts), JSON.stringify(counts)).toEqual([]);
  }, 120_000);

  it("tells an empty chart and a missing series apart from a full one", async () => {
    const empty = await render("empty", timelineSvg([], []));
    expect(missing(colourCounts(empty, CHART_COLORS)).sort()).toEqual(
      ["bound", "connected", "deliveries", "fault", "p99"].sort(),
    );
    // Nobody connected and no message delivered: those series lie on the zero line, the p99
    // series has no point at all.
    const points = timeline(recording()).map((p) => ({ ...p, p99Ms: null }));
    const noLatency = await render("no-latency", timelineSvg(points, [], { deliveryBoundMs: 300 }));
    expect(missing(colourCounts(noLatency, CHART_COLORS))).toEqual(["p99", "fault"]);
  }, 120_000);
});
