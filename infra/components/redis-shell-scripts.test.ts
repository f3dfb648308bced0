import { spawn, spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { fakeRedisCli } from "../testing/fake-redis-cli.js";
import {
  maxmemoryMiB,
  pingCommand,
  type RedisTopology,
  redisBaseConf,
  redisInitScript,
  redisPreStopScript,
  redisReadyCommand,
  redisReloadScript,
} from "./redis-shell-scripts.js";

const hosts = [0, 1, 2].map((i) => `wshub-redis-${i}.wshub-redis-headless.wshub.svc.cluster.local`);
const topology = (dir: string, mode: RedisTopology["mode"] = "sentinel"): RedisTopology => ({
  mode,
  masterName: "wshub",
  podHosts: mode === "single" ? hosts.slice(0, 1) : hosts,
  quorum: 2,
  minReplicasAck: 1,
  passwordFile: join(dir, "pw"),
});
// The scripts write into /run/redis; tests point them at the fake's temp dir.
const local = (script: string, dir: string) => script.replaceAll("/run/redis", dir);
const sh = (script: string, env: NodeJS.ProcessEnv, hostname: string) =>
  spawnSync("sh", ["-c", script], {
    env: { ...env, HOSTNAME: hostname },
    input: "",
    encoding: "utf8",
    timeout: 30_000,
  });

describe("redisBaseConf", () => {
  it("caps data at 60 % of the container limit, leaving room for the AOF rewrite fork", () => {
    expect(maxmemoryMiB(1024)).toBe(614);
    expect(redisBaseConf(1024)).toContain("maxmemory 614mb\nmaxmemory-policy noeviction");
  });
});

describe("redisReadyCommand", () => {
  it("is ready on a primary, and on a replica only once its link to the primary is up", async () => {
    await using fake = await fakeRedisCli();
    const run = () => sh(redisReadyCommand(6379, undefined), fake.env, "wshub-redis-0").status;
    await fake.answer("ping", "PONG\n");
    await fake.answer("replication", "# Replication\r\nrole:master\r\nconnected_slaves:2\r\n");
    expect(run()).toBe(0);
    await fake.answer("replication", "# Replication\r\nrole:slave\r\nmaster_link_status:down\r\n");
    expect(run()).toBe(1);
    await fake.answer("replication", "# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n");
    expect(run()).toBe(0);
    await fake.answer("ping", "LOADING Redis is loading the dataset in memory\n");
    expect(run()).toBe(1);
  });
});

describe("pingCommand", () => {
  it("keeps a loading Redis alive but not ready", async () => {
    await using fake = await fakeRedisCli();
    const run = (loadingOk: boolean) =>
      sh(pingCommand(6379, undefined, loadingOk), fake.env, "wshub-redis-0").status;
    await fake.answer("ping", "LOADING Redis is loading the dataset in memory\n");
    expect(run(true)).toBe(0);
    expect(run(false)).toBe(1);
    await fake.answer("ping", "PONG\n");
    expect(run(false)).toBe(0);
    await fake.answer("ping", "NOAUTH Authentication required.\n");
    expect(run(true)).toBe(1);
  });
});

describe("redisInitScript", () => {
  async function init(
    hostname: string,
    master: string | undefined,
    mode: RedisTopology["mode"] = "sentinel",
  ) {
    await using fake = await fakeRedisCli();
    await writeFile(join(fake.dir, "pw"), "s3cret-from-vault");
    if (master !== undefined) await fake.answer("master", master);
    const r = sh(local(redisInitScript(topology(fake.dir, mode)), fake.dir), fake.env, hostname);
    expect(r.status, r.stderr).toBe(0);
    const read = (f: string) => readFile(join(fake.dir, f), "utf8").catch(() => undefined);
    return {
      redis: await read("redis.conf"),
      sentinel: await read("sentinel.conf"),
      exporter: await read("exporter-passwords.json"),
    };
  }

  it("makes pod 0 the primary on a cold start and takes the password from the file", async () => {
    const { redis, sentinel, exporter } = await init("wshub-redis-0", undefined);
    expect(redis).toContain("requirepass s3cret-from-vault\nmasterauth s3cret-from-vault");
    expect(redis).not.toContain("replicaof");
    expect(redis).toContain("min-replicas-to-write 1");
    expect(sentinel).toContain(`sentinel monitor wshub ${hosts[0]} 6379 2`);
    expect(sentinel).toContain("sentinel auth-pass wshub s3cret-from-vault");
    // The exporter logs in as its own read-only user, never with the rotating main password.
    const metrics = JSON.parse(exporter ?? "{}")["redis://localhost:6379"];
    expect(metrics).toMatch(/^[0-9a-f]{48}$/);
    expect(redis).toContain(`user metrics on >${metrics} -@all +@connection +info`);
    expect(exporter).not.toContain("s3cret-from-vault");
  });

  it("follows the primary the Sentinels name", async () => {
    const { redis, sentinel } = await init("wshub-redis-0", `${hosts[2]}\n6379\n`);
    expect(redis).toContain(`replicaof ${hosts[2]} 6379`);
    expect(sentinel).toContain(`sentinel monitor wshub ${hosts[2]} 6379 2`);
  });

  it.each([
    "ERR No such master with that name",
    "IDONTKNOW I don't know",
    "NOAUTH Authentication required.",
    "evil.example.com",
  ])("never writes a reply that is not one of our pods (%s) into the config", async (reply) => {
    const { redis, sentinel } = await init("wshub-redis-2", `${reply}\n`);
    expect(redis).toContain(`replicaof ${hosts[0]} 6379`);
    expect(redis).not.toContain(reply.split(" ")[0]);
    expect(sentinel).toContain(`sentinel monitor wshub ${hosts[0]} 6379 2`);
  });

  it("writes only redis.conf for a single Redis", async () => {
    const { redis, sentinel } = await init("wshub-redis-0", undefined, "single");
    expect(redis).toMatch(
      /^include \/etc\/redis\/base\.conf\nrequirepass s3cret-from-vault\nuser metrics on >[0-9a-f]{48} -@all [^\n]+\n$/,
    );
    expect(sentinel).toBeUndefined();
  });
});

describe("redisPreStopScript", () => {
  it("asks for a failover when this pod is the primary and waits until it is not", async () => {
    await using fake = await fakeRedisCli();
    await fake.answer("master", `${hosts[0]}\n6379\n`);
    await fake.answer("after-failover", `${hosts[1]}\n6379\n`);
    const r = sh(
      local(redisPreStopScript(topology(fake.dir)), fake.dir),
      fake.env,
      "wshub-redis-0",
    );
    expect(r.status).toBe(0);
    const log = await fake.log();
    expect(log).toContain("ARGS -p 26379 sentinel failover wshub");
    expect(log.match(/get-master-addr-by-name/g)?.length).toBe(2);
  });

  it("works with bare pod names too (no cluster domain)", async () => {
    await using fake = await fakeRedisCli();
    await fake.answer("master", "redis-a\n6379\n");
    await fake.answer("after-failover", "redis-b\n6379\n");
    const t = { ...topology(fake.dir), podHosts: ["redis-a", "redis-b"] };
    const r = sh(local(redisPreStopScript(t), fake.dir), fake.env, "redis-a");
    expect(r.status).toBe(0);
    expect(await fake.log()).toContain("sentinel failover wshub");
  });

  it("does nothing on a replica", async () => {
    await using fake = await fakeRedisCli();
    await fake.answer("master", `${hosts[0]}\n6379\n`);
    const r = sh(
      local(redisPreStopScript(topology(fake.dir)), fake.dir),
      fake.env,
      "wshub-redis-1",
    );
    expect(r.status).toBe(0);
    expect(await fake.log()).not.toContain("failover");
  });

  it("gives up after a bounded wait when Sentinel cannot move the primary", async () => {
    await using fake = await fakeRedisCli();
    await fake.answer("master", `${hosts[0]}\n6379\n`);
    const script = local(redisPreStopScript(topology(fake.dir)), fake.dir).replace(
      "sleep 1",
      "sleep 0.01",
    );
    const r = sh(script, fake.env, "wshub-redis-0");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/still the primary/);
    expect((await fake.log()).match(/get-master-addr-by-name/g)?.length).toBe(21);
  });
});

describe("redisReloadScript", () => {
  it("carries a rotated password into Redis, Sentinel and redis.conf on stdin only", async () => {
    await using fake = await fakeRedisCli();
    const t = topology(fake.dir);
    await writeFile(t.passwordFile, "old-pass");
    await writeFile(
      join(fake.dir, "redis.conf"),
      "include x\nrequirepass old-pass\nmasterauth old-pass\nreplicaof a 6379\n",
    );
    const child = spawn("sh", ["-c", local(redisReloadScript(t, 0.05, 0), fake.dir)], {
      env: { ...fake.env, HOSTNAME: "wshub-redis-0" },
      stdio: "ignore",
    });
    try {
      await delay(200);
      expect(await fake.log()).toBe("");
      await writeFile(t.passwordFile, "new-pass");
      let log = "";
      for (let i = 0; i < 100 && !log.includes("CONFIG SET requirepass"); i++) {
        await delay(50);
        log = await fake.log();
      }
      const stdin = log.split("\n").filter((l) => l.startsWith("STDIN "));
      expect(stdin).toEqual([
        "STDIN ACL SETUSER default on >new-pass",
        "STDIN CONFIG SET masterauth new-pass",
        "STDIN SENTINEL SET wshub auth-pass new-pass",
        "STDIN CONFIG SET requirepass new-pass",
      ]);
      for (const args of log.split("\n").filter((l) => l.startsWith("ARGS "))) {
        expect(args).not.toMatch(/pass/);
      }
      expect(await readFile(join(fake.dir, "redis.conf"), "utf8")).toBe(
        "include x\nrequirepass new-pass\nmasterauth new-pass\nreplicaof a 6379\n",
      );
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("keeps the old password when Redis refuses the new one", async () => {
    await using fake = await fakeRedisCli();
    const t = topology(fake.dir, "single");
    await writeFile(t.passwordFile, "old-pass");
    await writeFile(join(fake.dir, "redis.conf"), "requirepass old-pass\n");
    await fake.answer("reply", "WRONGPASS invalid username-password pair\n");
    const child = spawn("sh", ["-c", local(redisReloadScript(t, 0.05, 0), fake.dir)], {
      env: { ...fake.env, HOSTNAME: "wshub-redis-0" },
      stdio: "ignore",
    });
    try {
      await writeFile(t.passwordFile, "new-pass");
      let log = "";
      for (let i = 0; i < 100 && (log.match(/ACL SETUSER/g)?.length ?? 0) < 2; i++) {
        await delay(50);
        log = await fake.log();
      }
      expect(log).not.toContain("requirepass");
      expect(await readFile(join(fake.dir, "redis.conf"), "utf8")).toBe("requirepass old-pass\n");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
