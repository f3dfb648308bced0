import { describe, expect, it } from "vitest";
import { labelWidth, placeLabels, timeTicks, valueTicks } from "./axis.js";

describe("timeTicks", () => {
  it("picks a readable step with at most 12 ticks from 0 to the end", () => {
    expect(timeTicks(3)).toEqual([0, 1, 2, 3]);
    expect(timeTicks(48)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
    expect(timeTicks(170)).toEqual([0, 15, 30, 45, 60, 75, 90, 105, 120, 135, 150, 165]);
    expect(timeTicks(7200).length).toBeLessThanOrEqual(12);
    expect(timeTicks(0)).toEqual([0]);
  });
});

describe("valueTicks", () => {
  it("rounds the top up to a readable value", () => {
    expect(valueTicks(17_334)).toEqual({ top: 20_000, ticks: [0, 5000, 10_000, 15_000, 20_000] });
    expect(valueTicks(24)).toEqual({ top: 30, ticks: [0, 10, 20, 30] });
    expect(valueTicks(0).top).toBe(1);
  });
});

describe("placeLabels", () => {
  it("keeps labels that fit on one row and moves overlapping ones down", () => {
    const placed = placeLabels(
      [
        { x: 100, width: 150 },
        { x: 120, width: 100 },
        { x: 300, width: 50 },
        { x: 230, width: 40 },
      ],
      900,
    );
    expect(placed.map((p) => p.row)).toEqual([0, 1, 0, 1]);
  });

  it("never lets two labels on a row overlap, and shifts one at the right edge inside", () => {
    const labels = Array.from({ length: 20 }, (_, i) => ({ x: 40 * i, width: 120 }));
    const placed = placeLabels(labels, 800);
    for (let i = 0; i < labels.length; i += 1)
      for (let j = i + 1; j < labels.length; j += 1) {
        if (placed[i]!.row !== placed[j]!.row) continue;
        const [a, b] = placed[i]!.x < placed[j]!.x ? [i, j] : [j, i];
        expect(placed[a]!.x + labels[a]!.width).toBeLessThanOrEqual(placed[b]!.x);
      }
    expect(Math.max(...placed.map((p, i) => p.x + labels[i]!.width))).toBeLessThanOrEqual(800);
  });

  it("estimates a label's width from its length", () => {
    expect(labelWidth("abcd", 10)).toBe(24);
  });
});
