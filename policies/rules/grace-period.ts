import { kindOf, num, rec, recs, str, strs } from "../manifest-fields.js";
import {
  type ContainerRef,
  containersOf,
  LONG_RUNNING_KINDS,
  podTemplateOf,
} from "../pod-template.js";
import { defineRule } from "../types.js";

// Kubernetes' default terminationGracePeriodSeconds.
const DEFAULT_GRACE_SECONDS = 30;
const HUB_ENV = ["DRAIN_SECONDS", "SHUTDOWN_DELAY_SECONDS"];

/** A literal integer env value of the container, or undefined. */
function envSeconds(ref: ContainerRef, name: string): number | undefined {
  const value = str(recs(ref.container.env).find((e) => str(e.name) === name)?.value);
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Seconds a preStop hook waits before SIGTERM: the `sleep` action or an exec of `sleep N`. */
function preStopSeconds(ref: ContainerRef): number {
  const preStop = rec(rec(ref.container.lifecycle)?.preStop);
  const sleep = num(rec(preStop?.sleep)?.seconds);
  if (sleep !== undefined) return sleep;
  const command = strs(rec(preStop?.exec)?.command).join(" ");
  const m = /(?:^|[\s;&])sleep\s+(\d+)\s*$/.exec(command);
  return m?.[1] ? Number(m[1]) : 0;
}

export const gracePeriod = defineRule({
  id: "wshub-grace-period",
  defaultSeverity: "mandatory",
  title: "Hub pods get a grace period longer than preStop + shutdown delay + drain + margin",
  rationale:
    "If the kubelet's SIGKILL comes before the drain ends, clients are cut instead of told to reconnect.",
  fix: "Raise terminationGracePeriodSeconds (contract/stack-settings.ts shutdown) or shorten DRAIN_SECONDS.",
  crossObject: false,
  check: (obj, ctx) => {
    const pod = podTemplateOf(obj);
    if (pod === undefined || !LONG_RUNNING_KINDS.has(kindOf(obj))) return [];
    const hubs = containersOf(pod).filter(
      (ref) =>
        !ref.init && recs(ref.container.env).some((e) => HUB_ENV.includes(str(e.name) ?? "")),
    );
    const labelled = pod.labels["app.kubernetes.io/name"] === "wshub";
    if (hubs.length === 0 && !labelled) return [];
    const { drainSeconds, shutdownDelaySeconds, graceMarginSeconds } = ctx.options;
    const refs = hubs.length > 0 ? hubs : containersOf(pod).filter((r) => !r.init);
    const needed = Math.max(
      ...refs.map(
        (ref) =>
          preStopSeconds(ref) +
          (envSeconds(ref, "SHUTDOWN_DELAY_SECONDS") ?? shutdownDelaySeconds) +
          (envSeconds(ref, "DRAIN_SECONDS") ?? drainSeconds) +
          graceMarginSeconds,
      ),
    );
    const grace = num(pod.spec.terminationGracePeriodSeconds) ?? DEFAULT_GRACE_SECONDS;
    if (grace > needed) return [];
    return [
      {
        message: `terminationGracePeriodSeconds is ${grace} s but preStop + shutdown delay + drain + ${graceMarginSeconds} s margin need more than ${needed} s`,
        path: `${pod.path}.terminationGracePeriodSeconds`,
      },
    ];
  },
});
