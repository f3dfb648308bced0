// Helpers for the Redis broker's integration tests: brokers a test owns and pausing a
// container. Redis itself comes from the test kit (testkit/redis-container.ts).
import { getContainerRuntimeClient, type StartedTestContainer } from "testcontainers";
import { waitFor } from "../../testkit/poll.js";
import type { Broker } from "../bus/index.js";
import {
  RedisBroker,
  type RedisBrokerOptions,
  RedisClusterBroker,
  type RedisClusterBrokerOptions,
} from "../bus/redis/index.js";

/** Brokers a test created, so afterAll can stop every one of them. */
export class BrokerSet {
  private readonly brokers: Broker[] = [];
  create(options: Partial<RedisBrokerOptions> & Pick<RedisBrokerOptions, "nodeId">): RedisBroker {
    const broker = new RedisBroker({
      minReplicas: 0,
      historySize: 100,
      historyTtlSeconds: 300,
      dedupeSeconds: 120,
      probeIntervalMs: 200,
      commandTimeoutMs: 1000,
      ...options,
    });
    this.brokers.push(broker);
    return broker;
  }
  /** A cluster broker on the nodes "ip:port,..." (REDIS_CLUSTER_NODES). */
  createCluster(
    nodes: string,
    options: Partial<RedisClusterBrokerOptions> & Pick<RedisClusterBrokerOptions, "nodeId">,
  ): RedisClusterBroker {
    const broker = new RedisClusterBroker({
      nodes: nodes.split(",").map((k) => {
        const [host = "", port = ""] = k.split(":");
        return { host, port: Number(port) };
      }),
      minReplicas: 0,
      historySize: 100,
      historyTtlSeconds: 300,
      dedupeSeconds: 120,
      probeIntervalMs: 200,
      commandTimeoutMs: 1000,
      ...options,
    });
    this.brokers.push(broker);
    return broker;
  }
  async stopAll(): Promise<void> {
    await Promise.all(this.brokers.map((b) => b.stop()));
  }
}

export async function setPaused(container: StartedTestContainer, paused: boolean): Promise<void> {
  const runtime = await getContainerRuntimeClient();
  const handle = runtime.container.getById(container.getId());
  await (paused ? handle.pause() : handle.unpause());
}

export { waitFor };
