import { Balancer } from "./balancer.js";
import type { StackSettings } from "./chaos-settings.js";
import { ChaosError } from "./errors.js";
import { pollUntil } from "./scenario.js";
import { Topology, type TopologyOptions } from "./topology.js";

/** A topology and the balancer in front of its hubs: what every scenario starts with. */
export class Cluster implements AsyncDisposable {
  constructor(
    readonly topology: Topology,
    readonly balancer: Balancer,
  ) {}

  /** Starts both and waits (bounded) until every hub is in the balancer's rotation. */
  static async start(options: TopologyOptions): Promise<Cluster> {
    const topology = await Topology.start(options);
    let balancer: Balancer | undefined;
    try {
      balancer = await Balancer.start(options.settings);
      for (const hub of topology.hubs) balancer.add(hub);
      const b = balancer;
      if (!(await pollUntil(() => b.readyNodes().length === topology.hubs.length, 15_000))) {
        throw new ChaosError("TOPOLOGY", `only ${b.readyNodes().join(", ")} became ready`);
      }
      return new Cluster(topology, balancer);
    } catch (error) {
      await balancer?.close();
      await topology.dispose();
      throw error;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.balancer.close();
    await this.topology.dispose();
  }
}

/**
 * How long a client waits without a frame or ping before it calls the connection dead: two hub
 * heartbeats and a second of slack.
 */
export function clientHeartbeatMs(settings: StackSettings): number {
  return (settings.hub.heartbeatSeconds * 2 + 1) * 1000;
}

/** The hubs' env for a scenario that runs the deployed heartbeat, not the suite's short one. */
export function deployedHeartbeatEnv(deployed: StackSettings): Record<string, string> {
  return { HEARTBEAT_SECONDS: String(deployed.hub.heartbeatSeconds) };
}
