import { describe, expect, it } from "vitest";
import {
  type GateRunResult,
  parseRobustnessArgs,
  RobustnessUsageError,
  readGateOutput,
  robustnessTable,
  robustnessVerdict,
  spinnerCores,
} from "./gate-robustness-plan.js";

const GATE_OUTPUT = `[load:gate] raw ws floor: 21370 deliveries/s at 1000 subscribers, 1650 connects/s; fanout audiences 2000/128/320, connect rates 825/825/825/s
connect-ramp (node, stack dev, 6.9 s): FAIL
result  metric           threshold   actual
pass    ws_sessions      count>0     2000
FAIL    ws_connecting    p(95)<500   853.3
fanout (node, stack dev, 15.3 s): PASS
result  metric              threshold   actual
pass    delivery_latency    p(99)<300   70.92
result  scenario         connects  p50/p99 ms  delivered  lost  time
FAIL    connect-ramp     2000      -           0          0     6.9s
`;

function result(run: string, code: number | null): GateRunResult {
  return {
    run,
    code,
    seconds: 60,
    loadAtStart: 1.5,
    floor: 20_000,
    connects: 1_500,
    audiences: "a",
    failed: [],
    error: undefined,
  };
}

describe("gate robustness plan", () => {
  it("defaults to 10 runs beside one busy core and the slowed-hub check", () => {
    expect(parseRobustnessArgs([], 2)).toMatchObject({ runs: 10, busyCores: 1, slowCheck: true });
  });

  it("refuses to busy every core and other bad usage", () => {
    expect(() => parseRobustnessArgs(["--busy-cores", "2"], 2)).toThrow(RobustnessUsageError);
    expect(() => parseRobustnessArgs(["--runs", "0"], 2)).toThrow(/--runs must be an integer/);
    expect(() => parseRobustnessArgs(["--scale", "2"], 2)).toThrow(/--scale/);
    expect(() => parseRobustnessArgs(["--fast"], 2)).toThrow(/unknown argument/);
  });

  it("pins spinners to the last cores", () => {
    expect(spinnerCores(1, 2)).toEqual([1]);
    expect(spinnerCores(2, 4)).toEqual([3, 2]);
  });

  it("reads the floor and the failed thresholds (not the verdict table) from a gate run", () => {
    expect(readGateOutput(GATE_OUTPUT)).toEqual({
      floor: 21370,
      connects: 1650,
      audiences: "2000/128/320",
      failed: ["connect-ramp ws_connecting p(95)<500 853.3"],
      error: undefined,
    });
    expect(readGateOutput("[load:gate] could not run: too busy for a verdict\n").error).toBe(
      "too busy for a verdict",
    );
  });

  it("holds only when every sound run passed and the slowed hub failed a threshold", () => {
    const sound = [result("1", 0), result("2", 0)];
    expect(robustnessVerdict(sound, result("slow", 99)).ok).toBe(true);
    expect(robustnessVerdict([result("1", 0), result("2", 99)], result("slow", 99))).toMatchObject({
      ok: false,
      passed: 1,
      runs: 2,
    });
    expect(robustnessVerdict(sound, result("slow", 0)).ok).toBe(false);
    // A slowed hub that crashed the gate is not a caught regression.
    expect(robustnessVerdict(sound, result("slow", 1)).ok).toBe(false);
    expect(robustnessVerdict([], undefined).ok).toBe(false);
  });

  it("prints one row per run", () => {
    const table = robustnessTable([result("1", 0), { ...result("2", 1), error: "too busy" }]);
    expect(table.split("\n")).toHaveLength(3);
    expect(table).toMatch(/^run\s+exit\s+time\s+load1\s+floor\/s\s+connects\/s\s+crowds\s+failed/);
    expect(table).toMatch(/^2\s+1\s+60s\s+1\.50\s+20000\s+1500\s+a\s+no verdict: too busy$/m);
  });
});
