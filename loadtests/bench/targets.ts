// The systems the bench compares, and how to start each as child processes (--expose-gc, IPC).
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../harness/free-port.js";
import { HUB_ENTRY, LOAD_FRIENDLY_ENV, REPO_ROOT } from "../harness/hub-process.js";
import type { ControlReply, ProcessProbe } from "./servers/control.js";

/** How the generator talks to a server: the hub protocol, the raw loop's copy of it, or Socket.IO. */
export type Dialect = "hub" | "raw" | "socket.io";

export interface Target {
  /** Row label in the report. */
  name: string;
  /** Short key for --only. */
  key: string;
  dialect: Dialect;
  nodes: 1 | 2;
  /** Whether the nodes share a Redis. */
  redis: boolean;
  server: string;
}

const SERVERS = {
  hub: fileURLToPath(new URL("./servers/hub.ts", import.meta.url)),
  raw: fileURLToPath(new URL("./servers/raw-ws.ts", import.meta.url)),
  "socket.io": fileURLToPath(new URL("./servers/socket-io.ts", import.meta.url)),
};

export const TARGETS: readonly Target[] = [
  {
    key: "raw",
    name: "raw ws, 1 node (naive loop)",
    dialect: "raw",
    nodes: 1,
    redis: false,
    server: SERVERS.raw,
  },
  {
    key: "hub",
    name: "wshub, 1 node",
    dialect: "hub",
    nodes: 1,
    redis: false,
    server: SERVERS.hub,
  },
  {
    key: "hub2",
    name: "wshub, 2 nodes + Redis",
    dialect: "hub",
    nodes: 2,
    redis: true,
    server: SERVERS.hub,
  },
  {
    key: "sio",
    name: "Socket.IO, 1 node",
    dialect: "socket.io",
    nodes: 1,
    redis: false,
    server: SERVERS["socket.io"],
  },
  {
    key: "sio2",
    name: "Socket.IO + redis adapter, 2 nodes",
    dialect: "socket.io",
    nodes: 2,
    redis: true,
    server: SERVERS["socket.io"],
  },
  {
    key: "raw2",
    name: "raw ws + ioredis bridge, 2 nodes",
    dialect: "raw",
    nodes: 2,
    redis: true,
    server: SERVERS.raw,
  },
];

/** A running server process of a target. */
export interface ServerNode {
  url: string;
  /** The server's process id (for /proc and strace); undefined when it has none. */
  pid: number | undefined;
  memory(): Promise<{ rss: number; heapUsed: number }>;
  /** Marks the start of a probed phase in the server process. */
  probeStart(): Promise<void>;
  /** The server's CPU and event-loop figures since probeStart. */
  probeStop(): Promise<ProcessProbe>;
  stop(): Promise<void>;
}

function waitReply<T extends ControlReply["type"]>(
  child: ChildProcess,
  type: T,
  ms: number,
): Promise<Extract<ControlReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`server did not answer "${type}" within ${ms} ms`)),
      ms,
    );
    const onMessage = (msg: ControlReply) => {
      if (msg.type === type) done(undefined, msg as Extract<ControlReply, { type: T }>);
      else if (msg.type === "failed") done(new Error(msg.message));
    };
    const onExit = (code: number | null) =>
      done(new Error(`server exited (code ${code}) before "${type}"`));
    function done(error?: Error, value?: Extract<ControlReply, { type: T }>) {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve(value as Extract<ControlReply, { type: T }>);
    }
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** Starts one server node of `target` on a free port. */
export async function startNode(
  target: Target,
  index: number,
  redisUrl?: string,
  extraEnv: Record<string, string> = {},
): Promise<ServerNode> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...LOAD_FRIENDLY_ENV,
    LOG_LEVEL: "error",
    PORT: String(port),
    HOST: "127.0.0.1",
    NODE_ID: `bench-${target.key}-${index}`,
    HUB_ENTRY,
    // A slow generator must not be mistaken for a slow consumer at 5k subscribers.
    SLOW_CONSUMER_BYTES: String(64 * 1024 * 1024),
    // The config wants the send-buffer bound below the whole per-connection bound.
    MAX_CONNECTION_BYTES: String(128 * 1024 * 1024),
    ...extraEnv,
  };
  if (redisUrl) env.REDIS_URL = redisUrl;
  else delete env.REDIS_URL;
  const child = fork(target.server, [], {
    cwd: REPO_ROOT,
    env,
    execArgv: ["--import", "tsx", "--expose-gc"],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2_000);
  });
  try {
    await waitReply(child, "ready", 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(
      `${target.name} node ${index} did not start: ${(error as Error).message}\n${stderr}`,
    );
  }
  const path = target.dialect === "socket.io" ? "/socket.io/?EIO=4&transport=websocket" : "/v1/ws";
  return {
    url: `ws://127.0.0.1:${port}${path}`,
    pid: child.pid,
    async probeStart() {
      const reply = waitReply(child, "probe-started", 10_000);
      child.send({ type: "probe-start" });
      await reply;
    },
    async probeStop() {
      const reply = waitReply(child, "probe", 10_000);
      child.send({ type: "probe-stop" });
      const { type: _, ...probe } = await reply;
      return probe;
    },
    async memory() {
      const reply = waitReply(child, "memory", 10_000);
      child.send({ type: "memory" });
      const { rss, heapUsed } = await reply;
      return { rss, heapUsed };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
