import { ChaosError } from "../errors.js";

/** A RollingUpdate number as Kubernetes takes it: an int or a percentage string ("25%"). */
export type IntOrPercent = number | `${number}%`;

/** The resolved fenceposts of one rollout. */
export interface RolloutBudget {
  replicas: number;
  surge: number;
  unavailable: number;
  /** Fewest available pods the rollout may leave: replicas - unavailable. */
  minAvailable: number;
  /** Most pods (old + new, not terminating) it may run: replicas + surge. */
  maxTotal: number;
}

function resolve(value: IntOrPercent, replicas: number, roundUp: boolean, name: string): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) {
      throw new ChaosError("BAD_OPTION", `${name} must be an int >= 0 or "N%", got ${value}`);
    }
    return value;
  }
  const match = /^(\d+)%$/.exec(value);
  if (!match) throw new ChaosError("BAD_OPTION", `${name} must be an int or "N%", got "${value}"`);
  const scaled = (Number(match[1]) * replicas) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * Kubernetes' fenceposts: maxSurge rounds up, maxUnavailable rounds down, and when both come out
 * 0 unavailable becomes 1 so the rollout can move at all.
 */
export function resolveBudget(
  replicas: number,
  maxSurge: IntOrPercent,
  maxUnavailable: IntOrPercent,
): RolloutBudget {
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new ChaosError("BAD_OPTION", `replicas must be an int >= 1, got ${replicas}`);
  }
  const surge = resolve(maxSurge, replicas, true, "maxSurge");
  let unavailable = Math.min(resolve(maxUnavailable, replicas, false, "maxUnavailable"), replicas);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return {
    replicas,
    surge,
    unavailable,
    minAvailable: replicas - unavailable,
    maxTotal: replicas + surge,
  };
}

/** Pods of the target version (`next`) and of every other version (`prev`), not terminating. */
export interface RolloutState {
  nextPods: number;
  nextAvailable: number;
  prevPods: number;
  prevAvailable: number;
}

/** What one reconcile may do: start `create` next pods, terminate `remove` prev pods. */
export interface RolloutStep {
  create: number;
  remove: number;
  /** Of `remove`, how many are prev pods that were not available (removed first). */
  removeUnavailable: number;
}

/**
 * One reconcile of a Deployment controller: scale the new ReplicaSet up within the surge, then
 * the old ones down within the unavailable budget, unavailable old pods first.
 */
export function nextStep(budget: RolloutBudget, state: RolloutState): RolloutStep {
  const { replicas, minAvailable, maxTotal } = budget;
  const total = state.nextPods + state.prevPods;
  const create = Math.max(0, Math.min(maxTotal - total, replicas - state.nextPods));
  const nextPods = state.nextPods + create;
  const nextUnavailable = nextPods - state.nextAvailable;
  const maxScaledDown = nextPods + state.prevPods - minAvailable - nextUnavailable;
  if (maxScaledDown <= 0 || state.prevPods === 0)
    return { create, remove: 0, removeUnavailable: 0 };
  const prevUnavailable = state.prevPods - state.prevAvailable;
  const removeUnavailable = Math.min(maxScaledDown, prevUnavailable);
  const available = state.prevAvailable + state.nextAvailable;
  const removeAvailable = Math.max(
    0,
    Math.min(state.prevAvailable, available - minAvailable, maxScaledDown - removeUnavailable),
  );
  return { create, remove: removeUnavailable + removeAvailable, removeUnavailable };
}

/** True when the rollout is complete: only next pods, all of them available. */
export function isComplete(budget: RolloutBudget, state: RolloutState): boolean {
  return (
    state.prevPods === 0 &&
    state.nextPods === budget.replicas &&
    state.nextAvailable === budget.replicas
  );
}

/** Budget breaches in one observation (empty when the rollout stays within its numbers). */
export function budgetViolations(
  budget: RolloutBudget,
  observed: { available: number; total: number },
): string[] {
  const out: string[] = [];
  if (observed.available < budget.minAvailable) {
    out.push(`${observed.available} available < minAvailable ${budget.minAvailable}`);
  }
  if (observed.total > budget.maxTotal) {
    out.push(`${observed.total} pods > maxTotal ${budget.maxTotal}`);
  }
  return out;
}

/**
 * The steps of a rollout where every created pod becomes available before the next reconcile:
 * the ideal path, used by tests and shown in docs.
 */
export function idealSteps(budget: RolloutBudget, maxSteps = 1000): RolloutStep[] {
  const state: RolloutState = {
    nextPods: 0,
    nextAvailable: 0,
    prevPods: budget.replicas,
    prevAvailable: budget.replicas,
  };
  const steps: RolloutStep[] = [];
  while (!isComplete(budget, state)) {
    if (steps.length >= maxSteps) {
      throw new ChaosError("ROLLOUT", `rollout did not converge in ${maxSteps} steps`);
    }
    const step = nextStep(budget, state);
    if (step.create === 0 && step.remove === 0 && state.nextAvailable === state.nextPods) {
      throw new ChaosError("ROLLOUT", `rollout is stuck at ${JSON.stringify(state)}`);
    }
    steps.push(step);
    state.prevPods -= step.remove;
    state.prevAvailable -= step.remove - step.removeUnavailable;
    state.nextPods += step.create;
    state.nextAvailable = state.nextPods;
  }
  return steps;
}
