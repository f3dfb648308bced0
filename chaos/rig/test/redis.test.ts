import { Redis } from "ioredis";
import { GenericContainer, type StartedTestContainer, Wait } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_IMAGE, TEST_LABELS } from "../index.js";

// Ryuk cannot be pulled here; containers carry TEST_LABELS and the rig removes leftovers.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

function connect(container: StartedTestContainer, port = 6379): Redis {
  const client = new Redis({
    host: container.getHost(),
    port: container.getMappedPort(port),
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  client.on("error", () => {
    // Failures surface through the awaited commands; this keeps ioredis from logging them twice.
  });
  return client;
}

async function waitForMessage(subscriber: Redis, channel: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on ${channel} within 5 s`)), 5_000);
    subscriber.once("message", (from: string, message: string) => {
      clearTimeout(timer);
      if (from === channel) resolve(message);
      else reject(new Error(`message arrived on ${from}, expected ${channel}`));
    });
  });
}

describe(`${REDIS_IMAGE} through testcontainers`, () => {
  let container: StartedTestContainer;
  const clients: Redis[] = [];

  beforeAll(async () => {
    container = await new GenericContainer(REDIS_IMAGE)
      .withLabels({ ...TEST_LABELS })
      .withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage("Ready to accept connections"))
      .start();
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await container?.stop();
  });

  it("stores and reads a key over ioredis", async () => {
    const client = connect(container);
    clients.push(client);
    await client.connect();
    await client.set("rig:key", "value", "EX", 60);
    expect(await client.get("rig:key")).toBe("value");
  });

  it("delivers a PUBLISH to a subscriber", async () => {
    const publisher = connect(container);
    const subscriber = connect(container);
    clients.push(publisher, subscriber);
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe("rig:channel");
    const received = waitForMessage(subscriber, "rig:channel");
    expect(await publisher.publish("rig:channel", "hello")).toBe(1);
    expect(await received).toBe("hello");
  });

  it("ships redis-sentinel", async () => {
    const result = await container.exec(["redis-sentinel", "--version"]);
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/Redis server v=7\./);
  });
});

describe(`${REDIS_IMAGE} commands`, () => {
  it("runs a redis-server command line given as the container command, reachable from outside", async () => {
    const container = await new GenericContainer(REDIS_IMAGE)
      .withLabels({ ...TEST_LABELS })
      .withCommand(["redis-server", "--port", "7000", "--appendonly", "no"])
      .withExposedPorts(7000)
      .withWaitStrategy(Wait.forLogMessage("Ready to accept connections"))
      .start();
    const client = connect(container, 7000);
    try {
      await client.connect();
      expect(await client.config("GET", "port")).toEqual(["port", "7000"]);
      // The host's connection arrives from the bridge gateway, so this also proves protected mode is off.
      expect(await client.config("GET", "protected-mode")).toEqual(["protected-mode", "no"]);
    } finally {
      client.disconnect();
      await container.stop();
    }
  });

  it("runs redis-sentinel with a config file given as the command", async () => {
    const conf = "port 26379\nsentinel monitor mymaster 127.0.0.1 6379 1\n";
    const container = await new GenericContainer(REDIS_IMAGE)
      .withLabels({ ...TEST_LABELS })
      .withCopyContentToContainer([{ content: conf, target: "/etc/sentinel/sentinel.conf" }])
      .withCommand(["redis-sentinel", "/etc/sentinel/sentinel.conf"])
      .withExposedPorts(26379)
      .withWaitStrategy(Wait.forLogMessage("Sentinel ID is"))
      .start();
    const client = connect(container, 26379);
    try {
      await client.connect();
      const masters = (await client.call("SENTINEL", "MASTERS")) as string[][];
      expect(masters[0]).toContain("mymaster");
    } finally {
      client.disconnect();
      await container.stop();
    }
  });
});
