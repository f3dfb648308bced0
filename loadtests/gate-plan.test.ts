import { describe, expect, it } from "vitest";
import {
  FLOOR_SHARE,
  fitToFloor,
  GATE_STEPS,
  MIN_SUBSCRIBERS,
  parseGateArgs,
  scaledSteps,
} from "./gate-plan.js";

describe("gate plan", () => {
  it("runs connect-ramp, fanout and reconnect-storm, each bounded in connections and time", () => {
    expect(GATE_STEPS.map((s) => s.scenario)).toEqual([
      "connect-ramp",
      "fanout",
      "reconnect-storm",
    ]);
    const seconds = GATE_STEPS.reduce((sum, s) => sum + s.durationSeconds, 0);
    expect(seconds).toBeLessThan(60);
  });

  it("scales down for --quick but keeps a floor of 50 connections and 3 s", () => {
    const quick = scaledSteps(parseGateArgs(["--quick"]).scale);
    expect(quick[1]).toMatchObject({ scenario: "fanout", connections: 250, durationSeconds: 4 });
    expect(scaledSteps(0.01).every((s) => s.connections >= 50 && s.durationSeconds >= 3)).toBe(
      true,
    );
  });

  it("reads --slo and --stack and refuses unknown flags", () => {
    expect(parseGateArgs(["--slo", "/tmp/x.json", "--stack=prod"])).toMatchObject({
      slo: "/tmp/x.json",
      stack: "prod",
    });
    expect(() => parseGateArgs(["--fast"])).toThrow(/unknown argument --fast/);
    expect(() => parseGateArgs(["--scale", "2"])).toThrow(/--scale must be from 0.1 to 1/);
    expect(() => parseGateArgs(["--slo"])).toThrow(/--slo needs a value/);
    expect(() => parseGateArgs(["--slo", "--quick"])).toThrow(/--slo needs a value/);
  });

  it("reads --help, -h and --no-floor", () => {
    expect(parseGateArgs(["--help"]).help).toBe(true);
    expect(parseGateArgs(["-h"]).help).toBe(true);
    expect(parseGateArgs([]).floor).toBe(true);
    expect(parseGateArgs(["--no-floor"]).floor).toBe(false);
  });

  it("fits fanout audiences to a share of the raw floor, keeping the message rate", () => {
    const steps = scaledSteps(1);
    const idle = fitToFloor(steps, 200_000);
    expect(idle.tooSlow).toBe(false);
    expect(idle.steps).toEqual(steps); // a quiet machine runs the full gate
    const busy = fitToFloor(steps, 60_000);
    const fanout = busy.steps.find((s) => s.scenario === "fanout");
    expect(fanout?.rate).toBe(50);
    expect(fanout?.connections).toBe(Math.floor((FLOOR_SHARE * 60_000) / 50));
    // connect-ramp publishes nothing: its size does not depend on the floor.
    expect(busy.steps[0]).toEqual(steps[0]);
  });

  it("says when the machine is too busy for a verdict rather than shrink below the floor", () => {
    const slow = fitToFloor(scaledSteps(1), 5_000);
    expect(slow.tooSlow).toBe(true);
    expect(slow.steps.every((s) => s.rate === 0 || s.connections >= MIN_SUBSCRIBERS)).toBe(true);
  });
});
