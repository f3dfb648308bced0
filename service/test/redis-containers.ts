// Helpers for the Redis broker's integration tests: redis:7 containers, admin clients, brokers,
// and bounded polling.
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import {
  GenericContainer,
  getContainerRuntimeClient,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { REDIS_IMAGE, TEST_LABELS } from "../../chaos/rig/index.js";
import { RedisBroker, type RedisBrokerOptions } from "../bus/redis/index.js";

// Ryuk cannot be pulled here; containers carry TEST_LABELS and the rig removes leftovers.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

/** A redis:7 server without persistence (a restart comes back empty), plus extra arguments. */
export async function startRedis(
  args: string[] = [],
  network?: { network: StartedNetwork; alias: string },
): Promise<StartedTestContainer> {
  let c = new GenericContainer(REDIS_IMAGE)
    .withLabels({ ...TEST_LABELS })
    .withCommand(["redis-server", "--appendonly", "no", "--save", "", ...args])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage("Ready to accept connections"));
  if (network) c = c.withNetwork(network.network).withNetworkAliases(network.alias);
  return c.start();
}

export function redisUrl(container: StartedTestContainer): string {
  return `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
}

/** A plain client for the test's own commands (FLUSHALL, CLIENT KILL, CONFIG SET ...). */
export async function admin(
  container: StartedTestContainer,
  password?: string,
  port = 6379,
): Promise<Redis> {
  const client = new Redis({
    host: container.getHost(),
    port: container.getMappedPort(port),
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    ...(password === undefined ? {} : { password }),
  });
  client.on("error", () => {
    // Failures surface through the awaited commands.
  });
  await client.connect();
  return client;
}

/** Brokers a test created, so afterAll can stop every one of them. */
export class BrokerSet {
  private readonly brokers: RedisBroker[] = [];
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
  async stopAll(): Promise<void> {
    await Promise.all(this.brokers.map((b) => b.stop()));
  }
}

export async function setPaused(container: StartedTestContainer, paused: boolean): Promise<void> {
  const runtime = await getContainerRuntimeClient();
  const handle = runtime.container.getById(container.getId());
  await (paused ? handle.pause() : handle.unpause());
}

/** Polls `check` every 25 ms until it returns true; fails with `what` after timeoutMs. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

/**
 * A TCP proxy on 127.0.0.1 whose existing connections can be frozen: bytes stop flowing both
 * ways while both sockets stay open, as through a network partition (a silent half-open
 * connection). New connections still pass.
 */
export class FreezableProxy {
  private readonly pairs: { client: Socket; upstream: Socket }[] = [];
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server) {}

  static async start(host: string, port: number): Promise<FreezableProxy> {
    const server = createServer();
    const proxy = new FreezableProxy(server);
    server.on("connection", (client) => {
      const upstream = connect(port, host);
      proxy.pairs.push({ client, upstream });
      proxy.sockets.add(client).add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        proxy.sockets.delete(client);
        proxy.sockets.delete(upstream);
      };
      client.on("error", close);
      upstream.on("error", close);
      client.on("close", close);
      upstream.on("close", close);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Freezes every connection open now; returns how many. */
  freezeExisting(): number {
    const open = this.pairs.filter((p) => !p.client.destroyed);
    for (const { client, upstream } of open) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    this.pairs.length = 0;
    return open.length;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
