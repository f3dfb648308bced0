import { labelWidth, placeLabels, timeTicks, valueTicks } from "./axis.js";
import type { FaultMark, TimelinePoint } from "./timeline.js";

const WIDTH = 900;
const PANEL = 130;
const GAP = 36;
const LEFT = 70;
const RIGHT = 20;
const LABEL_ROW = 13;
const FONT = 10;
const AXIS_BAND = 36;

/** The colours of the chart, exported so the picture test looks for the same ones. */
export const CHART_COLORS = {
  deliveries: "#1f77b4",
  connected: "#2ca02c",
  p99: "#ff7f0e",
  fault: "#d62728",
  bound: "#9467bd",
} as const;

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Series {
  title: string;
  color: string;
  values: Array<number | null>;
  /** A horizontal line the values should stay under. */
  bound?: { value: number; label: string };
}

interface Frame {
  seconds: number;
  ticks: number[];
  top: number;
  x(second: number): number;
}

function panel(series: Series, index: number, frame: Frame): string {
  const top = frame.top + index * (PANEL + GAP);
  const width = WIDTH - LEFT - RIGHT;
  const present = series.values.filter((v): v is number => v !== null);
  const scale = valueTicks(Math.max(0, ...present, series.bound?.value ?? 0));
  const y = (v: number) => top + PANEL - (v / scale.top) * PANEL;
  const grid = [
    ...scale.ticks.map(
      (v) =>
        `<line x1="${LEFT}" x2="${LEFT + width}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/><text x="${LEFT - 6}" y="${(y(v) + 3).toFixed(1)}" font-size="${FONT}" text-anchor="end">${v}</text>`,
    ),
    ...frame.ticks.map(
      (s) =>
        `<line x1="${frame.x(s).toFixed(1)}" x2="${frame.x(s).toFixed(1)}" y1="${top}" y2="${top + PANEL}" stroke="#e5e5e5"/>`,
    ),
  ];
  const segments: string[] = [];
  let current: string[] = [];
  series.values.forEach((v, s) => {
    if (v === null) {
      if (current.length) segments.push(current.join(" "));
      current = [];
      return;
    }
    current.push(`${frame.x(s).toFixed(1)},${y(v).toFixed(1)}`);
  });
  if (current.length) segments.push(current.join(" "));
  const lines = segments.map((points) =>
    points.includes(" ")
      ? `<polyline fill="none" stroke="${series.color}" stroke-width="2" points="${points}"/>`
      : // A lone second has no neighbour to draw a line to: a dot keeps it visible.
        `<circle cx="${points.split(",")[0]}" cy="${points.split(",")[1]}" r="2.5" fill="${series.color}"/>`,
  );
  const bound = series.bound
    ? `<line x1="${LEFT}" x2="${LEFT + width}" y1="${y(series.bound.value).toFixed(1)}" y2="${y(series.bound.value).toFixed(1)}" stroke="${CHART_COLORS.bound}" stroke-width="2" stroke-dasharray="8 4"/><text x="${LEFT + width - 4}" y="${(y(series.bound.value) - 4).toFixed(1)}" font-size="${FONT}" text-anchor="end" fill="${CHART_COLORS.bound}">${escapeXml(series.bound.label)}</text>`
    : "";
  return [
    `<text x="${LEFT}" y="${top - 8}" font-size="12" font-weight="bold">${escapeXml(series.title)}</text>`,
    ...grid,
    `<rect x="${LEFT}" y="${top}" width="${width}" height="${PANEL}" fill="none" stroke="#999"/>`,
    ...lines,
    bound,
  ].join("");
}

/** Options of the chart: the delivery-delay bound drawn over the latency panel. */
export interface TimelineChartOptions {
  deliveryBoundMs?: number;
}

/**
 * The report's timeline: deliveries/s, connected clients and p99 latency per second, one panel
 * each with gridlines at readable values and every few seconds, the faults as shaded spans (or
 * lines) across all three with their labels stacked so they never overlap, and the delivery bound
 * as a dashed line.
 */
export function timelineSvg(
  points: readonly TimelinePoint[],
  faults: readonly FaultMark[],
  options: TimelineChartOptions = {},
): string {
  const seconds = Math.max(1, points.length);
  const width = WIDTH - LEFT - RIGHT;
  const clampMs = (ms: number) => Math.min(1, Math.max(0, ms / 1000 / seconds));
  const xMs = (ms: number) => LEFT + clampMs(ms) * width;
  const placed = placeLabels(
    faults.map((f) => ({ x: xMs(f.atMs) + 3, width: labelWidth(f.label, FONT) })),
    WIDTH - 2,
  );
  const rows = placed.reduce((n, p) => Math.max(n, p.row + 1), 0);
  const top = 24 + rows * LABEL_ROW + 18;
  const frame: Frame = {
    seconds,
    ticks: timeTicks(seconds),
    top,
    // Second s is plotted at its middle; the axis runs from 0 to `seconds`.
    x: (s: number) => LEFT + Math.min(1, s / seconds) * width,
  };
  const series: Series[] = [
    {
      title: "deliveries per second",
      color: CHART_COLORS.deliveries,
      values: points.map((p) => p.deliveries),
    },
    {
      title: "connected clients",
      color: CHART_COLORS.connected,
      values: points.map((p) => p.connected),
    },
    {
      title: "p99 delivery latency per second (ms)",
      color: CHART_COLORS.p99,
      values: points.map((p) => p.p99Ms),
      ...(options.deliveryBoundMs !== undefined
        ? {
            bound: {
              value: options.deliveryBoundMs,
              label: `bound ${options.deliveryBoundMs} ms`,
            },
          }
        : {}),
    },
  ];
  const bottom = top + series.length * (PANEL + GAP) - GAP;
  const height = bottom + AXIS_BAND;
  const marks = faults
    .map((f, i) => {
      const x0 = xMs(f.atMs);
      const label = placed[i]!;
      const labelY = 24 + (label.row + 1) * LABEL_ROW;
      const span =
        f.endMs !== undefined
          ? `<rect x="${x0.toFixed(1)}" y="${top}" width="${Math.max(1, xMs(f.endMs) - x0).toFixed(1)}" height="${bottom - top}" fill="${CHART_COLORS.fault}" fill-opacity="0.12"/>`
          : "";
      return `${span}<line x1="${x0.toFixed(1)}" x2="${x0.toFixed(1)}" y1="${labelY - 9}" y2="${bottom}" stroke="${CHART_COLORS.fault}" stroke-width="2" stroke-dasharray="4 3"/><text x="${label.x.toFixed(1)}" y="${labelY}" font-size="${FONT}" fill="${CHART_COLORS.fault}">${escapeXml(f.label)}</text>`;
    })
    .join("");
  const axis = [
    ...frame.ticks.map(
      (s) =>
        `<line x1="${frame.x(s).toFixed(1)}" x2="${frame.x(s).toFixed(1)}" y1="${bottom}" y2="${bottom + 4}" stroke="#333"/><text x="${frame.x(s).toFixed(1)}" y="${bottom + 15}" font-size="${FONT}" text-anchor="middle">${s}</text>`,
    ),
    `<text x="${LEFT + width / 2}" y="${bottom + 30}" font-size="11" text-anchor="middle">time since the scenario started (s)</text>`,
    `<text x="${LEFT}" y="16" font-size="11" fill="${CHART_COLORS.fault}">faults</text>`,
  ].join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${series.map((s, i) => panel(s, i, frame)).join("")}${marks}${axis}</svg>\n`;
}

/** The pixel size of a chart (for rendering it). */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(svg);
  return { width: Number(m?.[1] ?? WIDTH), height: Number(m?.[2] ?? 600) };
}
