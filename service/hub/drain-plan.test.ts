import { describe, expect, it } from "vitest";
import { drainPlan, MOVE_SETTLE_MS } from "./drain-plan.js";

describe("drainPlan", () => {
  it("spreads movers over half the drain and gives them time to settle before the closes", () => {
    const plan = drainPlan(10_000, 1_000, () => 0.5);
    expect(plan.spreadMs).toBe(5_000);
    expect(plan.deadline).toBe(11_000);
    expect(plan.moveGraceEnd).toBe(1_000 + 5_000 + MOVE_SETTLE_MS);
    expect(plan.moveDelayMs()).toBe(2_500);
  });

  it("keeps the closes of movers that never moved inside a short drain", () => {
    const plan = drainPlan(300, 0, () => 0.999);
    expect(plan.moveGraceEnd).toBeLessThanOrEqual(240);
    expect(plan.moveDelayMs()).toBeLessThan(150);
  });
});
