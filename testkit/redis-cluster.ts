// A real Redis Cluster for tests, in the testcontainers module style:
//   const cluster = await new RedisClusterContainer().withPrimaries(3).withReplicasPerPrimary(1).start();
//   cluster.nodes      // "172.18.0.2:6379,..." (REDIS_CLUSTER_NODES for a hub)
// The nodes join a network the launcher creates and announce their IP on it: clients on this
// host and containers on that network reach them at the same addresses.
import { Redis } from "ioredis";
import {
  GenericContainer,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { REDIS_IMAGE, startTestNetwork, TEST_LABELS } from "../chaos/rig/index.js";
import { waitFor } from "./poll.js";

export const CLUSTER_PORT = 6379;

/** One node of the cluster: its container and its address on the network. */
export type ClusterNodeHandle = { container: StartedTestContainer; ip: string; key: string };

export class RedisClusterContainer {
  private primaries = 3;
  private replicas = 1;
  private nodeTimeoutMs = 2000;
  private network: StartedNetwork | undefined;
  private labels: Record<string, string> = { ...TEST_LABELS };

  /** Shards (primaries); at least 3, as redis-cli requires. */
  withPrimaries(count: number): this {
    if (count < 3) throw new Error("a Redis Cluster needs at least 3 primaries");
    this.primaries = count;
    return this;
  }

  withReplicasPerPrimary(count: number): this {
    this.replicas = count;
    return this;
  }

  /** cluster-node-timeout: how long a silent primary stays primary before its replica takes over. */
  withNodeTimeout(ms: number): this {
    this.nodeTimeoutMs = ms;
    return this;
  }

  /** Labels on every node container (TEST_LABELS are always there). */
  withLabels(labels: Record<string, string>): this {
    this.labels = { ...TEST_LABELS, ...labels };
    return this;
  }

  /** Joins an existing network (e.g. one the hub containers share) instead of creating one. */
  withNetwork(network: StartedNetwork): this {
    this.network = network;
    return this;
  }

  async start(): Promise<StartedRedisCluster> {
    process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
    const ownNetwork = this.network === undefined;
    const network = this.network ?? (await startTestNetwork());
    const total = this.primaries * (1 + this.replicas);
    const started: StartedTestContainer[] = [];
    try {
      const containers = await Promise.all(
        Array.from({ length: total }, () =>
          new GenericContainer(REDIS_IMAGE)
            .withLabels(this.labels)
            .withNetwork(network)
            .withExposedPorts(CLUSTER_PORT)
            .withCommand([
              "redis-server",
              "--save",
              "",
              "--appendonly",
              "no",
              "--cluster-enabled",
              "yes",
              "--cluster-node-timeout",
              String(this.nodeTimeoutMs),
              // A replica whose primary died takes over however long it was disconnected.
              "--cluster-replica-validity-factor",
              "0",
              // Replicas sync at once instead of waiting 5 s for more replicas to share a transfer.
              "--repl-diskless-sync-delay",
              "0",
            ])
            .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
            .withStartupTimeout(60_000)
            .start()
            .then((c) => {
              started.push(c);
              return c;
            }),
        ),
      );
      const nodes = containers.map((container) => {
        const ip = container.getIpAddress(network.getName());
        return { container, ip, key: `${ip}:${CLUSTER_PORT}` };
      });
      // Announce the address on the test network (not a second bridge the container may be on).
      await Promise.all(
        nodes.map((n) =>
          exec(n.container, ["redis-cli", "config", "set", "cluster-announce-ip", n.ip]),
        ),
      );
      const first = nodes[0] as ClusterNodeHandle;
      await exec(first.container, [
        "redis-cli",
        "--cluster",
        "create",
        ...nodes.map((n) => n.key),
        "--cluster-replicas",
        String(this.replicas),
        "--cluster-yes",
      ]);
      const cluster = new StartedRedisCluster(
        nodes,
        ownNetwork ? network : undefined,
        this.replicas,
      );
      await cluster.waitHealthy(total);
      return cluster;
    } catch (error) {
      await Promise.all(started.map((c) => c.stop().catch(() => {})));
      if (ownNetwork) await network.stop().catch(() => {});
      throw error;
    }
  }
}

async function exec(container: StartedTestContainer, command: string[]): Promise<string> {
  const result = await container.exec(command);
  if (result.exitCode !== 0)
    throw new Error(`${command.slice(0, 3).join(" ")} failed: ${result.output.slice(-500)}`);
  return result.output;
}

export class StartedRedisCluster {
  private readonly admins: Redis[] = [];

  constructor(
    readonly all: ClusterNodeHandle[],
    private readonly ownNetwork: StartedNetwork | undefined,
    readonly replicasPerPrimary: number,
  ) {}

  /** REDIS_CLUSTER_NODES: every node's address, comma-separated. */
  get nodes(): string {
    return this.all.map((n) => n.key).join(",");
  }

  /** A plain client for one node's own commands (CLUSTER NODES, DEBUG, ...). */
  async admin(node: ClusterNodeHandle): Promise<Redis> {
    const client = new Redis({
      host: node.ip,
      port: CLUSTER_PORT,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    client.on("error", () => {
      // Failures surface through the awaited commands.
    });
    await client.connect();
    this.admins.push(client);
    return client;
  }

  /** The node handle by its address "ip:port". */
  node(key: string): ClusterNodeHandle {
    const n = this.all.find((x) => x.key === key);
    if (!n) throw new Error(`no cluster node at ${key}`);
    return n;
  }

  /** The primaries, from one reachable node's CLUSTER SHARDS view, with their slot ranges. */
  async primaries(): Promise<{ key: string; slots: [number, number][] }[]> {
    const table = await this.clusterNodes();
    return table
      .filter((r) => r.flags.includes("master") && !r.flags.includes("fail"))
      .map((r) => ({ key: r.key, slots: r.slots }));
  }

  /** CLUSTER NODES from the first node that answers, parsed. */
  async clusterNodes(): Promise<ClusterNodeRow[]> {
    for (const n of this.all) {
      const client = await this.admin(n).catch(() => undefined);
      if (!client) continue;
      try {
        const text = (await client.call("CLUSTER", "NODES")) as string;
        return parseClusterNodes(text);
      } catch {
        // try the next node
      } finally {
        client.disconnect();
      }
    }
    throw new Error("no cluster node answers CLUSTER NODES");
  }

  /** The primary that owns `slot` now. */
  async ownerOf(slot: number): Promise<ClusterNodeRow> {
    const rows = await this.clusterNodes();
    const owner = rows.find(
      (r) => r.flags.includes("master") && r.slots.some(([a, b]) => slot >= a && slot <= b),
    );
    if (!owner) throw new Error(`no primary owns slot ${slot}`);
    return owner;
  }

  /**
   * Moves `slot` (and its keys) to the primary at `to`, the way resharding does: IMPORTING and
   * MIGRATING, MIGRATE the keys in batches, then SETSLOT NODE on every primary. `between` runs
   * after the first batch, while the slot is half moved.
   */
  async moveSlot(slot: number, to: string, between?: () => Promise<void>): Promise<void> {
    const rows = await this.clusterNodes();
    const source = await this.ownerOf(slot);
    const target = rows.find((r) => r.key === to);
    if (!target) throw new Error(`no cluster node at ${to}`);
    if (source.id === target.id) return;
    const src = await this.admin(this.node(source.key));
    const dst = await this.admin(this.node(target.key));
    await dst.call("CLUSTER", "SETSLOT", String(slot), "IMPORTING", source.id);
    await src.call("CLUSTER", "SETSLOT", String(slot), "MIGRATING", target.id);
    const [host, port] = target.key.split(":") as [string, string];
    for (let batch = 0; batch < 10_000; batch++) {
      const keys = (await src.call("CLUSTER", "GETKEYSINSLOT", String(slot), "10")) as string[];
      if (keys.length === 0) break;
      await src.call("MIGRATE", host, port, "", "0", "5000", "KEYS", ...keys);
      if (batch === 0) await between?.();
    }
    for (const r of rows.filter((x) => x.flags.includes("master") && !x.flags.includes("fail"))) {
      const c =
        r.id === source.id ? src : r.id === target.id ? dst : await this.admin(this.node(r.key));
      await c.call("CLUSTER", "SETSLOT", String(slot), "NODE", target.id);
    }
  }

  /** Waits until every node is up, knows `expected` nodes and the cluster state is ok. */
  async waitHealthy(expected = this.all.length, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `the cluster healthy on all ${expected} nodes`,
      async () => {
        for (const n of this.all) {
          const client = await this.admin(n).catch(() => undefined);
          if (!client) return false;
          try {
            const info = (await client.call("CLUSTER", "INFO")) as string;
            if (!info.includes("cluster_state:ok")) return false;
            const known = /cluster_known_nodes:(\d+)/.exec(info)?.[1];
            if (Number(known) < expected) return false;
            // A primary counts once its replicas are in sync (WAIT needs them online).
            const replication = (await client.call("INFO", "replication")) as string;
            if (replication.includes("role:master")) {
              const slots = Number(/cluster_slots_assigned:(\d+)/.exec(info)?.[1] ?? 0);
              const own = parseClusterNodes((await client.call("CLUSTER", "NODES")) as string).find(
                (r) => r.flags.includes("myself"),
              );
              const online = replication.match(/state=online/g)?.length ?? 0;
              if (slots > 0 && own && own.slots.length > 0 && online < this.replicasPerPrimary)
                return false;
            }
          } catch {
            return false;
          } finally {
            client.disconnect();
          }
        }
        return true;
      },
      timeoutMs,
      200,
    );
  }

  async stop(): Promise<void> {
    for (const a of this.admins) a.disconnect();
    await Promise.all(this.all.map((n) => n.container.stop().catch(() => {})));
    await this.ownNetwork?.stop().catch(() => {});
  }
}

export type ClusterNodeRow = {
  id: string;
  key: string;
  flags: string[];
  primaryId: string | undefined;
  slots: [number, number][];
};

/** CLUSTER NODES text as rows (address without the bus port, slot ranges, no migrations). */
export function parseClusterNodes(text: string): ClusterNodeRow[] {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id = "", addr = "", flags = "", primary = "-", , , , , ...rest] = line.split(" ");
      const slots: [number, number][] = [];
      for (const part of rest) {
        if (part.startsWith("[")) continue;
        const [a, b] = part.split("-");
        slots.push([Number(a), Number(b ?? a)]);
      }
      return {
        id,
        key: addr.split("@")[0] ?? addr,
        flags: flags.split(","),
        primaryId: primary === "-" ? undefined : primary,
        slots,
      };
    });
}
