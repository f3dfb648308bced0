// The Sentinel topology as infra/ deploys it: three pods, each Redis and Sentinel side by side,
// configured by the infra's own init script, handed over by its own preStop hook. A pod restart
// is what the kubelet does: preStop, stop, start (the init runs again), then readiness.
import type Dockerode from "dockerode";
import { GenericContainer, type StartedNetwork, Wait } from "testcontainers";
import {
  redisBaseConf,
  redisInitScript,
  redisPreStopScript,
  redisReadyCommand,
} from "../infra/components/redis-shell-scripts.js";
import { pollUntil } from "../testkit/poll.js";
import { ChaosError } from "./errors.js";
import { REDIS_PORT, type RedisSetup, SENTINEL_NAME, SENTINEL_PORT } from "./redis.js";
import { REDIS_IMAGE } from "./rig/index.js";

const PODS = ["redis-0", "redis-1", "redis-2"];
const PASSWORD_FILE = "/etc/redis-secret/password";
// A test password for containers this run starts on its own network.
const PASSWORD = "chaos-redis-password-not-for-production";

/** The pods' topology, as infra/components/redis-ha.ts gives it to the scripts. */
function topology(minReplicasAck: number) {
  return {
    mode: "sentinel" as const,
    masterName: SENTINEL_NAME,
    podHosts: PODS,
    quorum: 2,
    minReplicasAck,
    passwordFile: PASSWORD_FILE,
  };
}

/**
 * Three Redis pods (redis-0 the primary on a cold start) with their Sentinels, started the way
 * the StatefulSet starts them: the init script writes redis.conf and sentinel.conf, then both run.
 */
export async function startRedisPods(
  network: StartedNetwork,
  labels: Record<string, string>,
  minReplicasAck: number,
): Promise<RedisSetup> {
  const t = topology(minReplicasAck);
  const files = [
    { content: redisBaseConf(256), target: "/etc/redis/base.conf" },
    { content: PASSWORD, target: PASSWORD_FILE },
    { content: redisInitScript(t), target: "/scripts/init.sh" },
    { content: redisPreStopScript(t), target: "/scripts/prestop.sh" },
  ];
  // The init container, then both containers of the pod; exec keeps redis-server as PID 1 so a
  // stop is its SIGTERM.
  const run = [
    "mkdir -p /run/redis /data",
    "sh /scripts/init.sh",
    "(redis-sentinel /run/redis/sentinel.conf >/proc/1/fd/1 2>&1 &)",
    "exec redis-server /run/redis/redis.conf",
  ].join(" && ");
  const servers = [];
  // In order: pod 0 first, as a StatefulSet starts them, so later pods find the primary.
  for (const pod of PODS) {
    servers.push(
      await new GenericContainer(REDIS_IMAGE)
        .withNetwork(network)
        .withNetworkAliases(pod)
        .withHostname(pod)
        .withEnvironment({ HOSTNAME: pod })
        .withLabels(labels)
        .withCopyContentToContainer(files)
        .withCommand(["sh", "-c", run])
        .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
        .withStartupTimeout(30_000)
        .start(),
    );
  }
  return {
    mode: "sentinel",
    env: {
      REDIS_SENTINELS: PODS.map((p) => `${p}:${SENTINEL_PORT}`).join(","),
      REDIS_SENTINEL_NAME: SENTINEL_NAME,
      REDIS_PASSWORD: PASSWORD,
    },
    servers,
    sentinels: [],
    aliases: PODS,
  };
}

async function exec(docker: Dockerode, id: string, script: string): Promise<string> {
  const e = await docker.getContainer(id).exec({
    Cmd: ["sh", "-c", script],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await e.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve());
    stream.on("error", reject);
  });
  const { ExitCode } = await e.inspect();
  // Docker multiplexes stdout/stderr with 8-byte headers: keep the printable text.
  const raw = Buffer.concat(chunks).toString("utf8");
  const text = [...raw].filter((ch) => ch >= " " || ch === "\n").join("");
  if (ExitCode !== 0)
    throw new ChaosError(
      "FAULT",
      `exec in ${id.slice(0, 12)} exited ${ExitCode}: ${text.slice(0, 300)}`,
    );
  return text;
}

/** The pod name the Sentinels name as primary now (asked inside `id`'s container). */
export async function currentPrimary(docker: Dockerode, id: string): Promise<string> {
  const out = await exec(
    docker,
    id,
    `timeout 3 redis-cli -p ${SENTINEL_PORT} --raw sentinel get-master-addr-by-name ${SENTINEL_NAME} | head -n 1`,
  );
  return out.trim().split(/\s+/).at(-1) ?? "";
}

/** What one pod restart took, phase by phase (ms). */
export interface PodRestart {
  pod: string;
  wasPrimary: boolean;
  preStopMs: number;
  stopMs: number;
  readyMs: number;
}

/**
 * Restarts one pod as the kubelet does in a rolling update: the preStop hook (a primary hands
 * over through Sentinel and waits), SIGTERM, start again (the init script runs first), then the
 * infra's readiness command until it passes (bounded by `readyWithinMs`).
 */
export async function restartPod(
  docker: Dockerode,
  id: string,
  pod: string,
  readyWithinMs: number,
): Promise<PodRestart> {
  const wasPrimary = (await currentPrimary(docker, id)) === pod;
  let at = Date.now();
  await exec(docker, id, "sh /scripts/prestop.sh");
  const preStopMs = Date.now() - at;
  at = Date.now();
  await docker.getContainer(id).stop({ t: 30 });
  await docker.getContainer(id).start();
  const stopMs = Date.now() - at;
  at = Date.now();
  const ready = redisReadyCommand(REDIS_PORT, PASSWORD_FILE);
  const ok = await pollUntil(
    () =>
      exec(docker, id, ready).then(
        () => true,
        () => false,
      ),
    readyWithinMs,
    250,
  );
  if (!ok)
    throw new ChaosError("FAULT", `${pod} not ready within ${readyWithinMs} ms of its start`);
  return { pod, wasPrimary, preStopMs, stopMs, readyMs: Date.now() - at };
}

/** The pods in rolling-update order for this test: replicas first, the primary last. */
export async function restartOrder(
  docker: Dockerode,
  pods: { id: string; pod: string }[],
): Promise<{ id: string; pod: string }[]> {
  const primary = await currentPrimary(docker, pods[0]!.id);
  if (!pods.some((p) => p.pod === primary)) {
    throw new ChaosError(
      "TOPOLOGY",
      `the Sentinels name "${primary}" as primary, not one of the pods`,
    );
  }
  return [...pods.filter((p) => p.pod !== primary), ...pods.filter((p) => p.pod === primary)];
}
