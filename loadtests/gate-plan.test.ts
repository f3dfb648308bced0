import { describe, expect, it } from "vitest";
import {
  FLOOR_SHARE,
  fitToFloor,
  GATE_STEPS,
  MIN_SUBSCRIBERS,
  parseGateArgs,
  RAMP_MAX_SECONDS,
  scaledSteps,
} from "./gate-plan.js";

const quietConnects = { connectsPerSecond: 2_000, connectsAsked: 2_000 };

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
    const idle = fitToFloor(steps, { deliveriesPerSecond: 200_000, ...quietConnects });
    expect(idle.tooSlow).toBe(false);
    expect(idle.steps).toEqual(steps); // a quiet machine runs the full gate
    const busy = fitToFloor(steps, { deliveriesPerSecond: 60_000, ...quietConnects });
    const fanout = busy.steps.find((s) => s.scenario === "fanout");
    expect(fanout?.rate).toBe(50);
    expect(fanout?.connections).toBe(Math.floor((FLOOR_SHARE * 60_000) / 50));
    // connect-ramp publishes nothing: its size does not depend on the deliveries floor.
    expect(busy.steps[0]).toEqual(steps[0]);
  });

  it("scales connect rates and the storm's crowd by the share of asked raw connects opened", () => {
    const steps = scaledSteps(1);
    const half = fitToFloor(steps, {
      deliveriesPerSecond: 200_000,
      connectsPerSecond: 1_000,
      connectsAsked: 2_000,
    });
    expect(half.tooSlow).toBe(false);
    expect(half.steps.map((s) => s.connectRate)).toEqual([500, 500, 500]);
    expect(half.steps.map((s) => s.connections)).toEqual([2_000, 1_000, 250]);
    // A slow handshake rate cuts the ramp's crowd to RAMP_MAX_SECONDS of it.
    const slow = fitToFloor(steps, {
      deliveriesPerSecond: 200_000,
      connectsPerSecond: 300,
      connectsAsked: 2_000,
    });
    expect(slow.steps[0]).toMatchObject({ connectRate: 150, connections: 150 * RAMP_MAX_SECONDS });
  });

  it("keeps a quick run's small storm at 100 clients and refuses it where a full one is refused", () => {
    const quick = scaledSteps(0.25);
    const floor = { deliveriesPerSecond: 200_000, connectsPerSecond: 1_000, connectsAsked: 2_000 };
    const half = fitToFloor(quick, floor);
    expect(half.tooSlow).toBe(false);
    expect(half.steps[2]).toMatchObject({ scenario: "reconnect-storm", connections: 100 });
    const tooFew = fitToFloor(quick, { ...floor, connectsPerSecond: 300 });
    expect(tooFew.tooSlow).toBe(true);
    expect(fitToFloor(scaledSteps(1), { ...floor, connectsPerSecond: 300 }).tooSlow).toBe(true);
  });

  it("says when the machine is too busy for a verdict rather than shrink below the floor", () => {
    const slow = fitToFloor(scaledSteps(1), { deliveriesPerSecond: 5_000, ...quietConnects });
    expect(slow.tooSlow).toBe(true);
    expect(slow.steps.every((s) => s.rate === 0 || s.connections >= MIN_SUBSCRIBERS)).toBe(true);
    const fewConnects = {
      deliveriesPerSecond: 200_000,
      connectsPerSecond: 91,
      connectsAsked: 2_000,
    };
    expect(fitToFloor(scaledSteps(1), fewConnects).tooSlow).toBe(true);
    const unmeasured = { ...fewConnects, connectsPerSecond: Number.NaN };
    expect(fitToFloor(scaledSteps(1), unmeasured).tooSlow).toBe(true);
  });
});
