import { describe, expect, it } from "vitest";
import { parseBenchFlags } from "./bench-run.js";

describe("parseBenchFlags", () => {
  it("reads --quick, --runs, --only and --no-write", () => {
    expect(
      parseBenchFlags(["--quick", "--runs=2", "--only", "raw,hub", "--no-write"], { only: true }),
    ).toEqual({ quick: true, runs: 2, only: ["raw", "hub"], write: false, help: false });
  });

  it("refuses an unbounded run count, unknown flags and unknown targets", () => {
    expect(() => parseBenchFlags(["--runs", "100"], { only: true })).toThrow(
      /--runs must be an integer from 1 to 9/,
    );
    expect(() => parseBenchFlags(["--fast"], { only: true })).toThrow(/unknown argument --fast/);
    expect(() => parseBenchFlags(["--only", "raw,nope"], { only: true })).toThrow(
      /unknown target nope/,
    );
  });

  it("refuses --only where the bench has fixed targets, and does not suggest it", () => {
    expect(() => parseBenchFlags(["--only", "raw"], { only: false })).toThrow(
      /unknown argument --only; use --quick, --runs N, --no-write, --help$/,
    );
  });

  it("reads --help and -h", () => {
    expect(parseBenchFlags(["-h"], { only: false }).help).toBe(true);
    expect(parseBenchFlags(["--help"], { only: true }).help).toBe(true);
  });
});
