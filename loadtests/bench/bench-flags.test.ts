import { describe, expect, it } from "vitest";
import { parseBenchFlags } from "./bench-run.js";

describe("parseBenchFlags", () => {
  it("reads --quick, --runs, --only and --no-write", () => {
    expect(parseBenchFlags(["--quick", "--runs=2", "--only", "raw,hub", "--no-write"])).toEqual({
      quick: true,
      runs: 2,
      only: ["raw", "hub"],
      write: false,
    });
  });

  it("refuses an unbounded run count and unknown flags", () => {
    expect(() => parseBenchFlags(["--runs", "100"])).toThrow(
      /--runs must be an integer from 1 to 9/,
    );
    expect(() => parseBenchFlags(["--fast"])).toThrow(/unknown argument --fast/);
  });
});
