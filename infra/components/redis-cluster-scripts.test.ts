import { spawnSync } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeRedisCli } from "../testing/fake-redis-cli.js";
import {
  type ClusterTopology,
  redisClusterBootstrapScript,
  redisClusterInitScript,
  redisClusterPreStopScript,
  redisClusterReadyCommand,
} from "./redis-cluster-scripts.js";

const host = (i: number) => `wshub-redis-${i}.wshub-redis-headless.wshub.svc.cluster.local`;
const hosts = [0, 1, 2, 3, 4, 5].map(host);
const topology = (dir: string): ClusterTopology => ({
  mode: "cluster",
  masterName: "wshub",
  podHosts: hosts,
  quorum: 2,
  minReplicasAck: 1,
  passwordFile: join(dir, "pw"),
  replicasPerShard: 1,
});
// The scripts write into /run/redis and /data; tests point them at the fake's temp dir.
const local = (script: string, dir: string) =>
  script.replaceAll("/run/redis", dir).replaceAll("/data/", `${dir}/`);
const sh = (script: string, env: NodeJS.ProcessEnv, hostname = "wshub-redis-0") =>
  spawnSync("sh", ["-c", script], {
    env: { ...env, HOSTNAME: hostname },
    input: "",
    encoding: "utf8",
    timeout: 30_000,
  });

const formed = "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_known_nodes:6\r\n";
const alone = "cluster_state:fail\r\ncluster_slots_assigned:0\r\ncluster_known_nodes:1\r\n";

describe("redisClusterInitScript", () => {
  it("writes a cluster-enabled redis.conf that announces the pod's hostname", async () => {
    await using fake = await fakeRedisCli();
    await writeFile(join(fake.dir, "pw"), "s3cret-from-vault");
    const r = sh(
      local(redisClusterInitScript(topology(fake.dir)), fake.dir),
      fake.env,
      "wshub-redis-4",
    );
    expect(r.status, r.stderr).toBe(0);
    const conf = await readFile(join(fake.dir, "redis.conf"), "utf8");
    expect(conf).toContain("requirepass s3cret-from-vault\nmasterauth s3cret-from-vault\n");
    expect(conf).toContain("cluster-enabled yes\n");
    expect(conf).toContain(`cluster-config-file ${fake.dir}/nodes.conf\n`);
    expect(conf).toContain(`cluster-announce-hostname ${hosts[4]}\n`);
    expect(conf).toContain("cluster-preferred-endpoint-type hostname\n");
    expect(conf).toContain("cluster-require-full-coverage no\n");
    expect(conf).toContain("min-replicas-to-write 1\n");
    // The exporter's read-only user may read CLUSTER INFO, nothing it could change.
    expect(conf).toMatch(/^user metrics on >[0-9a-f]{48} -@all [^\n]* \+cluster\|info$/m);
    expect(conf).not.toMatch(/replicaof/);
  });

  it("re-resolves the peers' addresses in nodes.conf from their hostnames, leaving the rest", async () => {
    await using fake = await fakeRedisCli();
    await writeFile(join(fake.dir, "pw"), "pw");
    // getent: pod 1 moved to 10.0.0.11, pod 2 is not resolvable yet, evil.example.com is not ours.
    await writeFile(
      join(fake.dir, "getent"),
      `#!/bin/sh\ncase "$2" in ${hosts[1]}) echo "10.0.0.11       STREAM $2";; evil.example.com) echo "6.6.6.6 STREAM x";; esac\nexit 0\n`,
    );
    await chmod(join(fake.dir, "getent"), 0o755);
    const before = [
      `aaa 10.0.0.1:6379@16379,${hosts[1]} master - 0 1 1 connected 0-5460`,
      `bbb 10.0.0.2:6379@16379,${hosts[2]},shard-id=x slave aaa 0 1 1 connected`,
      "ccc 10.0.0.3:6379@16379,evil.example.com master - 0 1 2 connected [93->-ddd]",
      "vars currentEpoch 6 lastVoteEpoch 0",
      "",
    ].join("\n");
    await writeFile(join(fake.dir, "nodes.conf"), before);
    const r = sh(local(redisClusterInitScript(topology(fake.dir)), fake.dir), fake.env);
    expect(r.status, r.stderr).toBe(0);
    expect(await readFile(join(fake.dir, "nodes.conf"), "utf8")).toBe(
      before.replace("aaa 10.0.0.1:", "aaa 10.0.0.11:"),
    );
  });
});

describe("redisClusterReadyCommand", () => {
  it("is ready only in an ok cluster, and on a replica only once it is synced", async () => {
    await using fake = await fakeRedisCli();
    await writeFile(join(fake.dir, "pw"), "pw");
    const run = () => sh(redisClusterReadyCommand(6379, join(fake.dir, "pw")), fake.env).status;
    await fake.answer("ping", "PONG\n");
    await fake.answer("replication", "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n");
    await fake.answer("cluster-info", alone);
    expect(run()).toBe(1);
    await fake.answer("cluster-info", formed);
    expect(run()).toBe(0);
    await fake.answer("replication", "# Replication\r\nrole:slave\r\nmaster_link_status:down\r\n");
    expect(run()).toBe(1);
    await fake.answer("replication", "# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n");
    expect(run()).toBe(0);
    await fake.answer("ping", "LOADING Redis is loading the dataset in memory\n");
    expect(run()).toBe(1);
  });
});

describe("redisClusterBootstrapScript", () => {
  async function bootstrap(setup: (f: Awaited<ReturnType<typeof fakeRedisCli>>) => Promise<void>) {
    const fake = await fakeRedisCli();
    await writeFile(join(fake.dir, "pw"), "s3cret-from-vault");
    await fake.answer("ping", "PONG\n");
    await setup(fake);
    const script = redisClusterBootstrapScript(topology(fake.dir), 0.01, 3);
    const r = sh(script, fake.env);
    const log = await fake.log();
    await fake[Symbol.asyncDispose]();
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, log };
  }

  it("forms the cluster from every pod when all are empty and alone", async () => {
    const r = await bootstrap((f) => f.answer("cluster-info", alone));
    expect(r.status, r.stderr).toBe(0);
    const create = r.log.split("\n").filter((l) => l.includes("--cluster create"));
    expect(create).toEqual([
      `ARGS --cluster create ${hosts.map((h) => `${h}:6379`).join(" ")} --cluster-replicas 1 --cluster-yes`,
    ]);
    // The password travels in the environment, never in the arguments.
    expect(r.log).not.toContain("s3cret-from-vault");
  });

  it("leaves a formed cluster alone (a re-run is harmless)", async () => {
    const r = await bootstrap((f) => f.answer("cluster-info", formed));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/already formed; nothing to do/);
    expect(r.log).not.toContain("--cluster create");
  });

  it("refuses to re-create a cluster that formed without some pods, naming them", async () => {
    const r = await bootstrap(async (f) => {
      await f.answer("cluster-info", formed);
      await f.answer("cluster-info", alone, hosts[5]);
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`formed but ${hosts[5]} are not in it`);
    expect(r.stderr).toMatch(/redis-cli --cluster add-node/);
    expect(r.log).not.toContain("--cluster create");
  });

  it("refuses to decide on a node whose CLUSTER INFO is not an answer", async () => {
    const r = await bootstrap(async (f) => {
      await f.answer("cluster-info", alone);
      await f.answer("cluster-info", "NOAUTH Authentication required.\n", hosts[2]);
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${hosts[2]} did not answer CLUSTER INFO: NOAUTH`);
    expect(r.log).not.toContain("--cluster create");
  });

  it("gives up after a bounded wait for a pod that never answers", async () => {
    const r = await bootstrap(async (f) => {
      await f.answer("cluster-info", alone);
      await f.answer("ping", "", hosts[3]);
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`no answer from ${host(3).replaceAll(".", "\\.")} after 3 tries`),
    );
    expect(r.log.match(new RegExp(`-h ${hosts[3]} -p 6379 ping`, "g"))?.length).toBe(3);
    expect(r.log).not.toContain("--cluster create");
  });
});

describe("redisClusterPreStopScript", () => {
  const primary =
    "# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=10.0.0.7,port=6379,state=online,offset=9,lag=0\r\n";

  it("asks its online replica for a coordinated failover and waits until it is a replica", async () => {
    await using fake = await fakeRedisCli();
    await writeFile(join(fake.dir, "pw"), "pw");
    await fake.answer("replication", primary);
    await fake.answer("after-failover-replication", "role:slave\r\nmaster_link_status:up\r\n");
    const r = sh(redisClusterPreStopScript(topology(fake.dir), 0.01), fake.env);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(await fake.log()).toContain("ARGS -h 10.0.0.7 -p 6379 cluster failover");
  });

  it("does nothing on a replica", async () => {
    await using fake = await fakeRedisCli();
    await writeFile(join(fake.dir, "pw"), "pw");
    await fake.answer("replication", "role:slave\r\nmaster_link_status:up\r\n");
    const r = sh(redisClusterPreStopScript(topology(fake.dir), 0.01), fake.env);
    expect(r.status).toBe(0);
    expect(await fake.log()).not.toContain("failover");
  });

  it("stops after a bounded wait when the replica does not take over", async () => {
    await using fake = await fakeRedisCli();
    await writeFile(join(fake.dir, "pw"), "pw");
    await fake.answer("replication", primary);
    const r = sh(redisClusterPreStopScript(topology(fake.dir), 0.01), fake.env);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/still a primary after 20 tries/);
    expect((await fake.log()).match(/info replication/g)?.length).toBe(21);
  });
});
