import { describe, expect, it } from "vitest";
import { budgetViolations, idealSteps, nextStep, resolveBudget } from "./plan.js";

describe("resolveBudget", () => {
  it("rounds a surge percentage up and an unavailable percentage down, like Kubernetes", () => {
    expect(resolveBudget(10, "25%", "25%")).toMatchObject({ surge: 3, unavailable: 2 });
    expect(resolveBudget(3, "50%", "50%")).toMatchObject({ surge: 2, unavailable: 1 });
    expect(resolveBudget(6, 1, 1)).toEqual({
      replicas: 6,
      surge: 1,
      unavailable: 1,
      minAvailable: 5,
      maxTotal: 7,
    });
  });

  it("makes unavailable 1 when both come out 0, so the rollout can move", () => {
    expect(resolveBudget(3, "10%", "10%")).toMatchObject({ surge: 1, unavailable: 0 });
    expect(resolveBudget(3, 0, "10%")).toMatchObject({ surge: 0, unavailable: 1 });
  });

  it("names the bad option", () => {
    expect(() => resolveBudget(0, 1, 0)).toThrow(/replicas/);
    expect(() => resolveBudget(3, -1, 0)).toThrow(/maxSurge/);
    expect(() => resolveBudget(3, 1, "x%" as `${number}%`)).toThrow(/maxUnavailable/);
  });
});

describe("nextStep", () => {
  it("surges one new pod and removes no old pod while it is not available (surge 1, unavailable 0)", () => {
    const budget = resolveBudget(2, 1, 0);
    const first = nextStep(budget, {
      nextPods: 0,
      nextAvailable: 0,
      prevPods: 2,
      prevAvailable: 2,
    });
    expect(first).toEqual({ create: 1, remove: 0, removeUnavailable: 0 });
    const waiting = nextStep(budget, {
      nextPods: 1,
      nextAvailable: 0,
      prevPods: 2,
      prevAvailable: 2,
    });
    expect(waiting).toEqual({ create: 0, remove: 0, removeUnavailable: 0 });
    const ready = nextStep(budget, {
      nextPods: 1,
      nextAvailable: 1,
      prevPods: 2,
      prevAvailable: 2,
    });
    expect(ready).toEqual({ create: 0, remove: 1, removeUnavailable: 0 });
  });

  it("creates and removes in the same step when both budgets allow (surge 1, unavailable 1)", () => {
    const budget = resolveBudget(3, 1, 1);
    const first = nextStep(budget, {
      nextPods: 0,
      nextAvailable: 0,
      prevPods: 3,
      prevAvailable: 3,
    });
    expect(first).toEqual({ create: 1, remove: 1, removeUnavailable: 0 });
  });

  it("removes unavailable old pods before available ones", () => {
    const budget = resolveBudget(3, 1, 1);
    const step = nextStep(budget, { nextPods: 1, nextAvailable: 0, prevPods: 3, prevAvailable: 2 });
    expect(step.removeUnavailable).toBe(1);
    expect(step.remove).toBe(1);
  });

  it("never goes under minAvailable or over maxTotal on the ideal path, for many budgets", () => {
    for (const replicas of [1, 2, 3, 5, 6, 10]) {
      for (const surge of [0, 1, 2, "25%", "50%"] as const) {
        for (const unavailable of [0, 1, 2, "25%"] as const) {
          const budget = resolveBudget(replicas, surge, unavailable);
          let prev = replicas;
          let next = 0;
          for (const step of idealSteps(budget)) {
            // Within a step, new pods are created before old ones go, and are not yet available.
            expect(prev + next + step.create).toBeLessThanOrEqual(budget.maxTotal);
            prev -= step.remove;
            expect(prev + next).toBeGreaterThanOrEqual(budget.minAvailable);
            next += step.create;
          }
          expect({ prev, next }).toEqual({ prev: 0, next: replicas });
        }
      }
    }
  });
});

describe("budgetViolations", () => {
  it("reports too few available and too many pods", () => {
    const budget = resolveBudget(3, 1, 1);
    expect(budgetViolations(budget, { available: 2, total: 4 })).toEqual([]);
    expect(budgetViolations(budget, { available: 1, total: 5 })).toEqual([
      "1 available < minAvailable 2",
      "5 pods > maxTotal 4",
    ]);
  });
});
