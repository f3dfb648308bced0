import type { FaultMark, TimelinePoint } from "./timeline.js";

const WIDTH = 900;
const PANEL = 130;
const GAP = 28;
const LEFT = 70;
const RIGHT = 20;
const TOP = 30;

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Series {
  title: string;
  color: string;
  values: Array<number | null>;
}

function panel(series: Series, index: number, seconds: number): string {
  const top = TOP + index * (PANEL + GAP);
  const width = WIDTH - LEFT - RIGHT;
  const present = series.values.filter((v): v is number => v !== null);
  const max = Math.max(1, ...present);
  const x = (s: number) => LEFT + (seconds <= 1 ? 0 : (s / (seconds - 1)) * width);
  const y = (v: number) => top + PANEL - (v / max) * PANEL;
  const segments: string[] = [];
  let current: string[] = [];
  series.values.forEach((v, s) => {
    if (v === null) {
      if (current.length) segments.push(current.join(" "));
      current = [];
      return;
    }
    current.push(`${x(s).toFixed(1)},${y(v).toFixed(1)}`);
  });
  if (current.length) segments.push(current.join(" "));
  const lines = segments
    .map(
      (points) =>
        `<polyline fill="none" stroke="${series.color}" stroke-width="1.5" points="${points}"/>`,
    )
    .join("");
  return [
    `<text x="${LEFT}" y="${top - 8}" font-size="12" font-weight="bold">${escapeXml(series.title)}</text>`,
    `<rect x="${LEFT}" y="${top}" width="${width}" height="${PANEL}" fill="none" stroke="#ccc"/>`,
    `<text x="${LEFT - 6}" y="${top + 10}" font-size="10" text-anchor="end">${Math.round(max)}</text>`,
    `<text x="${LEFT - 6}" y="${top + PANEL}" font-size="10" text-anchor="end">0</text>`,
    lines,
  ].join("");
}

/**
 * The report's timeline: deliveries/s, connected clients and p99 latency per second, one panel
 * each, with the faults as shaded spans (or lines) across all three.
 */
export function timelineSvg(
  points: readonly TimelinePoint[],
  faults: readonly FaultMark[],
): string {
  const seconds = Math.max(1, points.length);
  const series: Series[] = [
    { title: "deliveries / s", color: "#1f77b4", values: points.map((p) => p.deliveries) },
    { title: "connected clients", color: "#2ca02c", values: points.map((p) => p.connected) },
    { title: "p99 delivery latency (ms)", color: "#ff7f0e", values: points.map((p) => p.p99Ms) },
  ];
  const height = TOP + series.length * (PANEL + GAP);
  const width = WIDTH - LEFT - RIGHT;
  const x = (ms: number) => LEFT + Math.min(1, Math.max(0, ms / 1000 / seconds)) * width;
  const bottom = TOP + series.length * (PANEL + GAP) - GAP;
  const marks = faults
    .map((f, i) => {
      const x0 = x(f.atMs);
      const span =
        f.endMs !== undefined
          ? `<rect x="${x0.toFixed(1)}" y="${TOP}" width="${Math.max(1, x(f.endMs) - x0).toFixed(1)}" height="${bottom - TOP}" fill="#d62728" fill-opacity="0.12"/>`
          : "";
      return `${span}<line x1="${x0.toFixed(1)}" x2="${x0.toFixed(1)}" y1="${TOP}" y2="${bottom}" stroke="#d62728" stroke-dasharray="4 3"/><text x="${(x0 + 3).toFixed(1)}" y="${TOP + 12 + (i % 4) * 12}" font-size="10" fill="#d62728">${escapeXml(f.label)}</text>`;
    })
    .join("");
  const axis = `<text x="${LEFT}" y="${height - 4}" font-size="10">0 s</text><text x="${WIDTH - RIGHT}" y="${height - 4}" font-size="10" text-anchor="end">${seconds} s</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${series.map((s, i) => panel(s, i, seconds)).join("")}${marks}${axis}</svg>\n`;
}
