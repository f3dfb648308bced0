import { describe, expect, it } from "vitest";
import { GATE_STEPS, parseGateArgs, scaledSteps } from "./gate-plan.js";

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
  });
});
