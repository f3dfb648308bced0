import { GenericContainer, type StartedTestContainer, Wait } from "testcontainers";
import { afterAll, beforeAll } from "vitest";
import { REDIS_IMAGE, TEST_LABELS } from "../../chaos/rig/index.js";
import { describeBroker } from "../broker-contract.js";
import { RedisBroker } from "../broker-redis.js";

process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

let redis: StartedTestContainer;
beforeAll(async () => {
  redis = await new GenericContainer(REDIS_IMAGE)
    .withLabels({ ...TEST_LABELS })
    .withCommand(["redis-server", "--appendonly", "no", "--save", ""])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage("Ready to accept connections"))
    .start();
});
afterAll(async () => {
  await redis?.stop();
});

describeBroker(
  "redis",
  async (opts) =>
    new RedisBroker({
      ...opts,
      url: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
      minReplicas: 0,
      nodeId: "contract",
      probeIntervalMs: 200,
    }),
);
