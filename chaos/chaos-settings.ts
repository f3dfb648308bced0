import {
  HUB_PORT,
  hubEnv,
  parseStackName,
  type SettingsOverrides,
  type StackSettings,
  settingsFor,
} from "../contract/index.js";

export { HUB_PORT, hubEnv, type StackSettings, settingsFor };

/** One value changed from what infra/ deploys, and why the chaos suite has to. */
export interface Scaled {
  path: string;
  deployed: number;
  chaos: number;
  why: string;
}

/** The stack whose numbers the hubs run with: `CHAOS_STACK` (default dev, the CI-sized one). */
export function chaosStack(): StackSettings["stack"] {
  return parseStackName(process.env.CHAOS_STACK ?? "dev");
}

/**
 * THE one place where the chaos suite departs from contract/stack-settings.ts. Everything else (rollout
 * numbers, drain, grace, limits, history, rates) is exactly what the Deployment gets.
 */
export function chaosSettings(stack = chaosStack()): {
  settings: StackSettings;
  deployed: StackSettings;
  scaled: Scaled[];
} {
  const deployed = settingsFor(stack);
  const scaled: Scaled[] = [
    {
      path: "hub.maxConnectionsPerIp",
      deployed: deployed.hub.maxConnectionsPerIp,
      chaos: deployed.hub.maxConnections,
      why: "every test client reaches the hubs from one address (the Docker gateway); behind a real load balancer they come from many",
    },
    {
      path: "hub.heartbeatSeconds",
      deployed: deployed.hub.heartbeatSeconds,
      chaos: 2,
      why: "a frozen node must be detected well inside the 15 s pause, and the whole suite has a 15 min budget",
    },
    {
      path: "rollout.progressDeadlineSeconds",
      deployed: deployed.rollout.progressDeadlineSeconds,
      chaos: Math.min(deployed.rollout.progressDeadlineSeconds, 30),
      why: "the bad release must be rolled back within the suite's time budget; the logic is the same",
    },
    {
      path: "replicas",
      deployed: deployed.replicas,
      chaos: Math.min(deployed.replicas, 3),
      why: "a 2-core machine runs at most 3 hubs next to Redis, Sentinel and the client fleet",
    },
    {
      path: "hpa.minReplicas",
      deployed: deployed.hpa.minReplicas,
      chaos: Math.min(deployed.hpa.minReplicas, 3),
      why: "follows replicas (the HPA floor may not exceed them)",
    },
  ];
  const overrides: SettingsOverrides = {};
  for (const s of scaled) setPath(overrides as Record<string, unknown>, s.path, s.chaos);
  return {
    settings: settingsFor(stack, overrides),
    deployed,
    scaled: scaled.filter((s) => s.deployed !== s.chaos),
  };
}

function setPath(target: Record<string, unknown>, path: string, value: number): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/** The numbers a report shows: stack, rollout, shutdown, limits, and what was scaled. */
export function settingsForReport(
  settings: StackSettings,
  scaled: Scaled[],
): Record<string, unknown> {
  return {
    stack: settings.stack,
    replicas: settings.replicas,
    rollout: settings.rollout,
    shutdown: settings.shutdown,
    resources: settings.resources,
    hubEnv: hubEnv(settings),
    scaled,
  };
}
