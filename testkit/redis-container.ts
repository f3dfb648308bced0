// One Redis for every test, in the testcontainers module style:
//   const redis = await new RedisContainer().withPassword("s3cret").start();
//   redis.url  // redis://:s3cret@127.0.0.1:49153
// On a network with an alias, the server announces the alias (a restarted container may get
// another IP), so replicas and Sentinels find it by name.
import { Redis } from "ioredis";
import {
  AbstractStartedContainer,
  GenericContainer,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { REDIS_IMAGE, TEST_LABELS } from "../chaos/rig/index.js";

export const REDIS_PORT = 6379;

export class RedisContainer extends GenericContainer {
  private password: string | undefined;
  private alias: string | undefined;
  private announce = true;
  private readonly extra: string[] = [];

  constructor(image = REDIS_IMAGE) {
    super(image);
    // Ryuk cannot be pulled here; containers carry TEST_LABELS and the rig removes leftovers.
    process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
    this.withExposedPorts(REDIS_PORT)
      .withLabels({ ...TEST_LABELS })
      .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
      .withStartupTimeout(60_000);
  }

  /** `requirepass`: clients authenticate with it (and the URL carries it). */
  withPassword(password: string): this {
    this.password = password;
    return this;
  }

  /**
   * Joins `network` under `alias`. With `announce` (default) the server announces the alias to
   * Sentinels, which then need `sentinel resolve-hostnames yes`; without, its IP.
   */
  withNetworkAlias(network: StartedNetwork, alias: string, announce = true): this {
    this.alias = alias;
    this.announce = announce;
    this.withNetwork(network).withNetworkAliases(alias);
    return this;
  }

  /** Extra redis-server arguments, e.g. `["--replicaof", "primary", "6379"]`. */
  withServerArgs(...args: string[]): this {
    this.extra.push(...args);
    return this;
  }

  override async start(): Promise<StartedRedisContainer> {
    // No persistence: a restarted server comes back empty, as the scenarios expect.
    this.withCommand([
      "redis-server",
      "--save",
      "",
      "--appendonly",
      "no",
      ...(this.alias && this.announce ? ["--replica-announce-ip", this.alias] : []),
      ...(this.password ? ["--requirepass", this.password] : []),
      ...this.extra,
    ]);
    return new StartedRedisContainer(await super.start(), this.password, this.alias);
  }
}

export class StartedRedisContainer extends AbstractStartedContainer {
  constructor(
    started: StartedTestContainer,
    readonly password: string | undefined,
    readonly alias: string | undefined,
  ) {
    super(started);
  }

  /** The URL from this host (127.0.0.1 and the mapped port), with the password when set. */
  get url(): string {
    const auth = this.password ? `:${encodeURIComponent(this.password)}@` : "";
    return `redis://${auth}${this.getHost()}:${this.getMappedPort(REDIS_PORT)}`;
  }

  /** The URL from a container on the same network (the alias and 6379). */
  get networkUrl(): string {
    if (!this.alias) throw new Error("this Redis joined no network: use withNetworkAlias()");
    const auth = this.password ? `:${encodeURIComponent(this.password)}@` : "";
    return `redis://${auth}${this.alias}:${REDIS_PORT}`;
  }

  /** A plain client for the test's own commands (FLUSHALL, CLIENT KILL, CONFIG SET ...). */
  admin(options: { password?: string; port?: number } = {}): Promise<Redis> {
    const password = options.password ?? this.password;
    return redisAdmin(this, options.port ?? REDIS_PORT, password);
  }
}

/** A connected admin client for any container serving the Redis protocol (Sentinels too). */
export async function redisAdmin(
  container: StartedTestContainer,
  port: number,
  password?: string,
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
