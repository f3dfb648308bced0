// Pure layout of the timeline chart: where the ticks go and how fault labels avoid each other.

const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/**
 * Tick positions (seconds) for a time axis of `seconds`: a step from 1, 2, 5, 10, 15, 30 s ...
 * giving at most `maxTicks` ticks, starting at 0 and never past the end.
 */
export function timeTicks(seconds: number, maxTicks = 12): number[] {
  if (!(seconds > 0)) return [0];
  const step =
    NICE_STEPS.find((s) => Math.floor(seconds / s) + 1 <= maxTicks) ??
    Math.ceil(seconds / (maxTicks - 1) / 3600) * 3600;
  const ticks: number[] = [];
  for (let t = 0; t <= seconds + 1e-9; t += step) ticks.push(t);
  return ticks;
}

/**
 * A rounded axis top at or above `max` (1, 2, 2.5, 5 times a power of ten) and its ticks: the
 * value panels get gridlines at readable numbers instead of at the raw maximum.
 */
export function valueTicks(max: number, count = 4): { top: number; ticks: number[] } {
  const raw = Math.max(max, 1) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const top = step * Math.ceil(Math.max(max, 1) / step - 1e-9);
  const ticks: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) ticks.push(Math.round(v * 1000) / 1000);
  return { top, ticks };
}

/** A label to place on one line: its anchor x and its width, in pixels. */
export interface LabelBox {
  x: number;
  width: number;
}

/** Where a label goes: its row (0 = top) and the x it starts at. */
export interface PlacedLabel {
  row: number;
  x: number;
}

/**
 * Places labels left to right on the fewest rows so that no two on one row overlap (`gap` px
 * apart at least). A label that would run past `right` is shifted left to end there.
 */
export function placeLabels(labels: readonly LabelBox[], right: number, gap = 6): PlacedLabel[] {
  const rowEnds: number[] = [];
  const placed: PlacedLabel[] = new Array(labels.length);
  const order = labels.map((l, i) => ({ ...l, i })).sort((a, b) => a.x - b.x);
  for (const label of order) {
    const x = Math.max(0, Math.min(label.x, right - label.width));
    let row = rowEnds.findIndex((end) => end + gap <= x);
    if (row === -1) {
      row = rowEnds.length;
      rowEnds.push(0);
    }
    rowEnds[row] = x + label.width;
    placed[label.i] = { row, x };
  }
  return placed;
}

/** The width a label of `text` takes at `fontSize` px in a sans-serif font (a safe estimate). */
export function labelWidth(text: string, fontSize: number): number {
  return Math.ceil(text.length * fontSize * 0.6);
}
