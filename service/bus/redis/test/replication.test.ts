// REDIS_MIN_REPLICAS (WAIT) and Sentinel mode, on one primary, one replica and one Sentinel
// that the tests share in order: primary alone, then with its replica, then under Sentinel,
// then a failover.
import type { Redis } from "ioredis";
import {
  GenericContainer,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_IMAGE, startTestNetwork, TEST_LABELS } from "../../../../chaos/rig/index.js";
import { waitFor } from "../../../../testkit/poll.js";
import {
  RedisContainer,
  redisAdmin,
  type StartedRedisContainer,
} from "../../../../testkit/redis-container.js";
import { PublishOutcomeUnknownError } from "../../../errors.js";
import { BrokerSet } from "../../../test/redis-containers.js";
import { freshChannel } from "../../testing/broker-contract.js";
import type { RedisBroker } from "../redis-broker.js";

const brokers = new BrokerSet();
const admins: Redis[] = [];
let network: StartedNetwork;
let primary: StartedRedisContainer;
let replica: StartedRedisContainer | undefined;
let sentinel: StartedTestContainer | undefined;

beforeAll(async () => {
  network = await startTestNetwork();
  primary = await new RedisContainer().withNetworkAlias(network, "primary", false).start();
});
afterAll(async () => {
  await brokers.stopAll();
  for (const a of admins) a.disconnect();
  for (const c of [sentinel, replica, primary]) await c?.stop().catch(() => {});
  await network?.stop();
});

async function adminOf(container: StartedTestContainer, port = 6379): Promise<Redis> {
  const client = await redisAdmin(container, port);
  admins.push(client);
  return client;
}

describe("REDIS_MIN_REPLICAS", () => {
  let waiting: RedisBroker;
  const ch = freshChannel("wait");

  beforeAll(async () => {
    waiting = brokers.create({
      url: primary.url,
      nodeId: "wait",
      minReplicas: 1,
      waitTimeoutMs: 300,
    });
    await waiting.start();
  });

  it("rejects a publish that no replica confirmed, and its retry too", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const started = Date.now();
      const error = await waiting
        .publish({ ch, data: '"m"', id: "w-1", publisher: "p1" })
        .catch((e: unknown) => e);
      // Stored on the primary, not confirmed by a replica: the outcome is unknown.
      expect(error).toBeInstanceOf(PublishOutcomeUnknownError);
      expect((error as Error).message).toMatch(/0 of 1 Redis replicas confirmed.*same id/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    }
  });

  it("resolves once a replica follows, and the earlier id keeps its seq", async () => {
    replica = await new RedisContainer()
      .withNetworkAlias(network, "replica", false)
      .withServerArgs("--replicaof", "primary", "6379")
      .start();
    const replicaAdmin = await adminOf(replica);
    await waitFor(
      "replica in sync",
      async () => (await replicaAdmin.info("replication")).includes("master_link_status:up"),
      15_000,
    );
    // Retried as a client would (same id, outcome unknown only): WAIT's 300 ms may pass before a
    // replica acknowledges on a busy machine, for the first publish as for the next.
    const confirmed = (data: string, id: string) =>
      waitFor(
        `publish ${id} confirmed by the replica`,
        () =>
          waiting.publish({ ch, data, id, publisher: "p1" }).catch((e: unknown) => {
            if (e instanceof PublishOutcomeUnknownError) return undefined;
            throw e;
          }),
        10_000,
        100,
      );
    const retried = await confirmed('"m"', "w-1");
    expect(retried).toMatchObject({ seq: 1, duplicate: true });
    const next = await confirmed('"n"', "w-2");
    expect(next).toMatchObject({ seq: 2, epoch: retried.epoch });
  });
});

describe("Sentinel mode", () => {
  const ch = freshChannel("sentinel");
  let viaSentinel: RedisBroker;
  let epoch = "";

  beforeAll(async () => {
    const primaryIp = primary.getIpAddress(network.getName());
    const conf = [
      "port 26379",
      `sentinel monitor mymaster ${primaryIp} 6379 1`,
      "sentinel down-after-milliseconds mymaster 1000",
      "sentinel failover-timeout mymaster 5000",
    ].join("\\n");
    sentinel = await new GenericContainer(REDIS_IMAGE)
      .withLabels({ ...TEST_LABELS })
      .withNetwork(network)
      // Sentinel rewrites its config file, so it is written inside the container.
      .withCommand(["sh", "-c", `printf '${conf}\\n' > /tmp/s.conf && redis-sentinel /tmp/s.conf`])
      .withExposedPorts(26379)
      .withWaitStrategy(Wait.forLogMessage("Sentinel ID is"))
      .start();
    const sentinels = [{ host: sentinel.getHost(), port: sentinel.getMappedPort(26379) }];
    viaSentinel = brokers.create({
      sentinels,
      sentinelName: "mymaster",
      nodeId: "sentinel",
      minReplicas: 1,
    });
    await viaSentinel.start();
  });

  it("finds the primary through Sentinel and publishes with a replica's confirmation", async () => {
    const first = await viaSentinel.publish({ ch, data: "1" });
    const second = await viaSentinel.publish({ ch, data: "2" });
    expect([first.seq, second.seq]).toEqual([1, 2]);
    epoch = second.epoch;
    expect(viaSentinel.status().up).toBe(true);
  });

  it("follows the promoted replica after the primary dies; acknowledged messages survive", async () => {
    const sentinelAdmin = await adminOf(sentinel as StartedTestContainer, 26379);
    await waitFor(
      "Sentinel knows the replica",
      async () =>
        ((await sentinelAdmin.call("SENTINEL", "REPLICAS", "mymaster")) as unknown[]).length > 0,
      20_000,
    );
    const statuses: boolean[] = [];
    viaSentinel.onStatus((s) => statuses.push(s.up));
    await primary.stop();
    await waitFor("broker down", () => !viaSentinel.status().up, 10_000);
    const downAt = Date.now();
    await waitFor("broker up on the promoted replica", () => viaSentinel.status().up, 40_000);
    const tookMs = Date.now() - downAt;
    expect(statuses).toEqual([false, true]);
    // The new primary has no replica left: read and publish through a broker that needs none.
    const after = brokers.create({
      sentinels: [{ host: sentinel?.getHost() ?? "", port: sentinel?.getMappedPort(26379) ?? 0 }],
      sentinelName: "mymaster",
      nodeId: "sentinel-after",
    });
    await after.start();
    const h = await after.history(ch, 0);
    expect(h).toMatchObject({ seq: 2, epoch, complete: true });
    expect(await after.publish({ ch, data: "3" })).toMatchObject({ seq: 3, epoch });
    expect(tookMs).toBeLessThan(40_000);
  });
});
