import type { Balancer } from "../balancer.js";
import type { StackSettings } from "../chaos-settings.js";
import { ChaosError } from "../errors.js";
import { remove, stop } from "../faults/container.js";
import type { HubContainer } from "../hub-container.js";
import type { Topology } from "../topology.js";
import {
  budgetViolations,
  isComplete,
  nextStep,
  type RolloutBudget,
  resolveBudget,
} from "./plan.js";

/** A version the driver can roll to: what the pods of that revision run with. */
export interface Revision {
  version: string;
  env?: Record<string, string>;
  image?: string;
}

interface Pod {
  node: HubContainer;
  revision: Revision;
  readySince: number | undefined;
  failures: number;
}

export interface Termination {
  node: string;
  version: string;
  exitCode: number;
  /** True when the grace period ran out and Docker sent SIGKILL. */
  killed: boolean;
  tookMs: number;
}

export interface RolloutResult {
  outcome: "complete" | "rolled back";
  /** Human-readable log: "create hub-v2-1", "remove hub-1", "progress deadline exceeded". */
  log: Array<{ atMs: number; what: string }>;
  /** Budget breaches seen while sampling (empty when the numbers were respected). */
  violations: string[];
  minReadySeen: number;
  maxTotalSeen: number;
  terminations: Termination[];
  budget: RolloutBudget;
}

export interface RolloutOptions {
  topology: Topology;
  balancer: Balancer;
  settings: StackSettings;
  /** The pods running now (all of revision `from`). */
  pods: HubContainer[];
  from: Revision;
  to: Revision;
  /** Called with each action, e.g. to mark it on the report's timeline. */
  onAction?: (what: string) => void;
}

const TICK_MS = 500;

/**
 * Replaces hub containers the way a Deployment's RollingUpdate does: new pods within maxSurge,
 * old ones removed within maxUnavailable once new ones have been ready for minReadySeconds;
 * when no progress happens for progressDeadlineSeconds, rolls back to `from` the same way.
 */
export async function rollout(options: RolloutOptions): Promise<RolloutResult> {
  const { settings, topology, balancer } = options;
  const { rollout: numbers, shutdown } = settings;
  const budget = resolveBudget(settings.replicas, numbers.maxSurge, numbers.maxUnavailable);
  const started = Date.now();
  const result: RolloutResult = {
    outcome: "complete",
    log: [],
    violations: [],
    minReadySeen: Number.POSITIVE_INFINITY,
    maxTotalSeen: 0,
    terminations: [],
    budget,
  };
  const say = (what: string) => {
    result.log.push({ atMs: Date.now() - started, what });
    options.onAction?.(what);
  };
  const pods: Pod[] = options.pods.map((node) => ({
    node,
    revision: options.from,
    readySince: Date.now() - numbers.minReadySeconds * 1000,
    failures: 0,
  }));
  const stopping: Array<Promise<void>> = [];
  let created = 0;

  const terminate = (pod: Pod) => {
    pods.splice(pods.indexOf(pod), 1);
    balancer.remove(pod.node);
    say(`terminate ${pod.node.name} (${pod.revision.version})`);
    const ref = { docker: topology.docker, id: pod.node.id };
    stopping.push(
      stop(ref, shutdown.terminationGracePeriodSeconds)
        .then((r) => {
          result.terminations.push({ node: pod.node.name, version: pod.revision.version, ...r });
        })
        .finally(async () => {
          topology.forget(pod.node);
          await remove(ref).catch(() => {});
        }),
    );
  };

  const converge = async (target: Revision, deadlineSeconds: number): Promise<boolean> => {
    let lastProgress = Date.now();
    let lastAvailable = -1;
    // Bounded: the whole rollout cannot take longer than every pod hitting its deadline.
    const hardStop = Date.now() + (budget.replicas + 2) * (deadlineSeconds + 60) * 1000;
    while (Date.now() < hardStop) {
      await probe(pods, settings.probes.readiness);
      const now = Date.now();
      const available = (p: Pod) =>
        p.readySince !== undefined && now - p.readySince >= numbers.minReadySeconds * 1000;
      const next = pods.filter((p) => p.revision === target);
      const prev = pods.filter((p) => p.revision !== target);
      const state = {
        nextPods: next.length,
        nextAvailable: next.filter(available).length,
        prevPods: prev.length,
        prevAvailable: prev.filter(available).length,
      };
      const ready = pods.filter((p) => p.readySince !== undefined).length;
      result.minReadySeen = Math.min(result.minReadySeen, ready);
      result.maxTotalSeen = Math.max(result.maxTotalSeen, pods.length);
      for (const v of budgetViolations(budget, { available: ready, total: pods.length })) {
        result.violations.push(`at ${now - started} ms: ${v}`);
      }
      if (isComplete(budget, state)) return true;
      if (state.nextAvailable > lastAvailable) {
        lastAvailable = state.nextAvailable;
        lastProgress = now;
      }
      if (now - lastProgress > deadlineSeconds * 1000) return false;
      const step = nextStep(budget, state);
      const unavailableFirst = [...prev].sort(
        (a, b) => Number(available(a)) - Number(available(b)),
      );
      for (const pod of unavailableFirst.slice(0, step.remove)) terminate(pod);
      for (let i = 0; i < step.create; i += 1) {
        const name = `hub-${target.version}-${++created}`;
        say(`create ${name}`);
        const node = await topology.startHub({
          name,
          version: target.version,
          env: target.env,
          image: target.image,
          waitReady: false,
        });
        pods.push({ node, revision: target, readySince: undefined, failures: 0 });
        balancer.add(node);
        lastProgress = Date.now();
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    throw new ChaosError(
      "ROLLOUT",
      `rollout to ${target.version} did not finish within its hard stop`,
    );
  };

  say(`rollout ${options.from.version} -> ${options.to.version}`);
  if (!(await converge(options.to, numbers.progressDeadlineSeconds))) {
    say(`progress deadline exceeded (${numbers.progressDeadlineSeconds} s): rolling back`);
    result.outcome = "rolled back";
    if (!(await converge(options.from, numbers.progressDeadlineSeconds))) {
      throw new ChaosError(
        "ROLLOUT",
        `rollback to ${options.from.version} made no progress either`,
      );
    }
  }
  say(result.outcome === "complete" ? "rollout complete" : "rolled back");
  await Promise.allSettled(stopping);
  return result;
}

/** One readiness round with the infra's probe numbers: unready after failureThreshold misses. */
async function probe(pods: Pod[], numbers: StackSettings["probes"]["readiness"]): Promise<void> {
  await Promise.all(
    pods.map(async (p) => {
      if (await p.node.isReady(numbers.timeoutSeconds * 1000)) {
        p.failures = 0;
        p.readySince ??= Date.now();
      } else if (++p.failures >= numbers.failureThreshold) {
        p.readySince = undefined;
      }
    }),
  );
}
