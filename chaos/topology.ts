import Dockerode from "dockerode";
import { SignJWT } from "jose";
import {
  GenericContainer,
  randomUuid,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
  type WaitStrategy,
} from "testcontainers";
import { HUB_INTERNAL_PORT } from "../contract/index.js";
import { FaultProxy } from "../testkit/fault-proxy.js";
import { HUB_PORT, hubEnv, type StackSettings, settingsFor } from "./chaos-settings.js";
import { ChaosError } from "./errors.js";
import { HubContainer } from "./hub-container.js";
import {
  REDIS_PORT,
  type RedisSetup,
  startClusterRedis,
  startSentinelRedis,
  startSingleRedis,
} from "./redis.js";
import { startRedisPods } from "./redis-pods.js";
import { HUB_IMAGE, startTestNetwork, TEST_LABEL, TEST_LABELS } from "./rig/index.js";

// The rollout driver gates on /readyz itself, and a bad release may never listen at all.
const NO_WAIT: WaitStrategy = {
  waitUntilReady: async () => {},
  withStartupTimeout() {
    return this;
  },
  isStartupTimeoutSet: () => false,
  getStartupTimeout: () => 60_000,
};

/** Label carrying the run id, so one scenario can count exactly what it left behind. */
export const RUN_LABEL = "wshub.chaos.run";
const JWT_SECRET = "chaos-suite-test-secret-not-for-production-0123456789";
/** Production mode refuses to start without a backend API key too. */
const API_KEY = "chaos-suite-api-key-not-for-production-0123456789";

export interface TopologyOptions {
  settings: StackSettings;
  /** Hub nodes to start now (more can be started later with startHub). */
  hubs: number;
  /** `pods`: the infra's Sentinel pods (Redis + Sentinel each, the infra's init and preStop). */
  redis: "single" | "sentinel" | "cluster" | "pods";
  /** Hub image (default wshub:local; `CHAOS_HUB_IMAGE` overrides, e.g. for a defect build). */
  image?: string;
  /** Indexes of hubs whose Redis traffic goes through their own FaultProxy (single Redis only). */
  proxied?: number[];
  /** Extra hub env, after the settings' env. */
  env?: Record<string, string>;
}

export interface StartHubOptions {
  name: string;
  version?: string;
  image?: string;
  env?: Record<string, string>;
  /** Wait for /readyz (default true); the rollout driver gates on readiness itself. */
  waitReady?: boolean;
  /** Route this hub's Redis traffic through a FaultProxy (single Redis only). */
  proxied?: boolean;
}

/**
 * A Docker network with Redis (single or primary + 2 replicas + 3 Sentinels) and hub containers
 * running with the infra settings' env. Every container and the network carry `wshub.test=true`
 * and this run's id; `await using` removes them on every exit path.
 */
export class Topology implements AsyncDisposable {
  readonly runId = randomUuid().slice(0, 12);
  readonly docker = new Dockerode();
  readonly hubs: HubContainer[] = [];
  readonly proxies = new Map<string, FaultProxy>();
  readonly token: string;
  redis!: RedisSetup;
  #disposed = false;

  private constructor(
    readonly network: StartedNetwork,
    readonly gateway: string,
    readonly settings: StackSettings,
    private readonly options: TopologyOptions,
    token: string,
  ) {
    this.token = token;
  }

  get labels(): Record<string, string> {
    return { ...TEST_LABELS, [RUN_LABEL]: this.runId };
  }

  get image(): string {
    return this.options.image ?? process.env.CHAOS_HUB_IMAGE ?? HUB_IMAGE;
  }

  /** Starts the network, Redis and `hubs` hub nodes (in parallel); cleans up if any step fails. */
  static async start(options: TopologyOptions): Promise<Topology> {
    const network = await startTestNetwork();
    let topology: Topology | undefined;
    try {
      const info = await new Dockerode().getNetwork(network.getId()).inspect();
      const gateway = info.IPAM?.Config?.[0]?.Gateway;
      if (!gateway) throw new ChaosError("TOPOLOGY", `network ${network.getName()} has no gateway`);
      const token = await new SignJWT({ channels: ["*"] })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("chaos")
        .setExpirationTime("2h")
        .sign(new TextEncoder().encode(JWT_SECRET));
      topology = new Topology(network, gateway, options.settings, options, token);
      const labels = topology.labels;
      topology.redis =
        options.redis === "sentinel"
          ? await startSentinelRedis(network, labels)
          : options.redis === "cluster"
            ? await startClusterRedis(network, labels)
            : options.redis === "pods"
              ? await startRedisPods(network, labels, minReplicasAck(options.settings))
              : await startSingleRedis(network, labels);
      const proxied = new Set(options.proxied ?? []);
      const t = topology;
      const started = await Promise.all(
        Array.from({ length: options.hubs }, (_, i) =>
          t.startHub({ name: `hub-${i + 1}`, proxied: proxied.has(i) }),
        ),
      );
      // Started in parallel: keep hubs[i] = hub-(i+1) whatever order they came up in.
      t.hubs.splice(0, t.hubs.length, ...started);
      return topology;
    } catch (error) {
      if (topology) await topology.dispose();
      else await network.stop().catch(() => {});
      throw error;
    }
  }

  /** The env every hub gets: the infra settings' env, Redis, auth, identity. */
  hubEnvFor(
    name: string,
    version: string,
    redisEnv: Record<string, string>,
  ): Record<string, string> {
    const env: Record<string, string> = {
      ...hubEnv(this.settings),
      ...redisEnv,
      NODE_ID: name,
      APP_VERSION: version,
      AUTH_JWT_SECRET: JWT_SECRET,
      API_KEY,
      LOG_LEVEL: "warn",
      ...this.options.env,
    };
    if (this.redis.mode === "sentinel" || this.redis.mode === "cluster") {
      // Replica acknowledgment is what makes `ok` survive a failover: take the sentinel stack's.
      env.REDIS_MIN_REPLICAS = String(minReplicasAck(this.settings));
    }
    return env;
  }

  /** A token of this topology's hubs for user `sub` with these channel patterns. */
  tokenFor(sub: string, channels: string[]): Promise<string> {
    return new SignJWT({ channels })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(sub)
      .setExpirationTime("2h")
      .sign(new TextEncoder().encode(JWT_SECRET));
  }

  /** Starts one hub container; with `proxied` its Redis connection goes through a FaultProxy. */
  async startHub(options: StartHubOptions): Promise<HubContainer> {
    const version = options.version ?? "v1";
    let redisEnv = this.redis.env;
    if (options.proxied) {
      if (this.redis.mode !== "single") {
        throw new ChaosError("TOPOLOGY", "a Redis proxy needs the single Redis topology");
      }
      const server = this.redis.servers[0]!;
      const proxy = await FaultProxy.start({
        name: `redis-proxy-${options.name}`,
        listen: { host: this.gateway },
        upstream: { host: server.getIpAddress(this.network.getName()), port: REDIS_PORT },
      });
      this.proxies.set(options.name, proxy);
      redisEnv = { REDIS_URL: `redis://${this.gateway}:${proxy.address.port}` };
    }
    const limits = this.settings.resources.limits;
    let container = new GenericContainer(options.image ?? this.image)
      .withNetwork(this.network)
      .withNetworkAliases(options.name)
      .withName(`wshub-${this.runId}-${options.name}`)
      .withLabels(this.labels)
      .withEnvironment({ ...this.hubEnvFor(options.name, version, redisEnv), ...options.env })
      .withExposedPorts(HUB_PORT, HUB_INTERNAL_PORT)
      .withResourcesQuota({
        memory: limits.memoryMiB / 1024,
        ...(limits.cpuMillis ? { cpu: limits.cpuMillis / 1000 } : {}),
      })
      .withStartupTimeout(60_000);
    container =
      options.waitReady === false
        ? container.withWaitStrategy(NO_WAIT)
        : container.withWaitStrategy(Wait.forHttp("/readyz", HUB_INTERNAL_PORT).forStatusCode(200));
    let started: StartedTestContainer;
    try {
      started = await container.start();
    } catch (error) {
      throw new ChaosError(
        "TOPOLOGY",
        `hub ${options.name} (${options.image ?? this.image}) did not start: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const node = new HubContainer(
      options.name,
      version,
      started,
      this.docker,
      this.network.getName(),
    );
    this.hubs.push(node);
    return node;
  }

  /** The hub's WebSocket URL on its container address: no docker-proxy buffering in between. */
  directUrl(node: HubContainer): string {
    return `ws://${node.container.getIpAddress(this.network.getName())}:${HUB_PORT}/v1/ws`;
  }

  hub(name: string): HubContainer {
    const node = this.hubs.find((h) => h.name === name);
    if (!node) throw new ChaosError("TOPOLOGY", `no hub named ${name}`);
    return node;
  }

  /** Forgets a hub whose container is gone (removed by a fault or the rollout driver). */
  forget(node: HubContainer): void {
    const i = this.hubs.indexOf(node);
    if (i >= 0) this.hubs.splice(i, 1);
  }

  /** Containers and networks with this run's label still present (0 after dispose). */
  async leftovers(): Promise<{ containers: number; networks: number }> {
    const filters = JSON.stringify({ label: [`${RUN_LABEL}=${this.runId}`] });
    const containers = await this.docker.listContainers({ all: true, filters });
    const networks = await this.docker.listNetworks({
      filters: JSON.stringify({ name: [this.network.getName()] }),
    });
    return { containers: containers.length, networks: networks.length };
  }

  /** Removes every container of this run (forced), the proxies and the network. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    const filters = JSON.stringify({ label: [`${RUN_LABEL}=${this.runId}`, `${TEST_LABEL}=true`] });
    const containers = await this.docker.listContainers({ all: true, filters });
    await Promise.all(
      containers.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => {}),
      ),
    );
    await this.network.stop().catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/** Replica acknowledgment is what makes `ok` survive a failover: the sentinel stack's. */
function minReplicasAck(settings: StackSettings): number {
  return Math.max(settings.redis.minReplicasAck, settingsFor("prod").redis.minReplicasAck);
}
