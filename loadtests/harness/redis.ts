// The Redis the gate and the bench run against: a redis-server process when the binary exists
// (fast, no Docker), else a redis:7 container through the chaos rig (engine + image ensured).
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { OwnedProcess } from "./child-process.js";
import { freePort } from "./free-port.js";

export interface RunningRedis {
  url: string;
  /** `process` or `container`, for the report. */
  kind: string;
  stop(): Promise<void>;
}

/** Redis did not come up; the message says what to install or start. */
export class RedisStartError extends Error {
  override readonly name = "RedisStartError";
}

/** Sends PING and resolves true on +PONG within 1 s. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

function redisServerBinary(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = found.stdout.trim();
  return found.status === 0 && path !== "" ? path : undefined;
}

async function startProcess(binary: string): Promise<RunningRedis> {
  const port = await freePort();
  const proc = OwnedProcess.spawn(
    "redis",
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    process.env,
  );
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (!proc.running || Date.now() > deadline) {
      await proc.stop();
      throw new RedisStartError(
        `redis-server did not answer PING on port ${port}:\n${proc.output()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, kind: "process", stop: () => proc.stop() };
}

async function startContainer(): Promise<RunningRedis> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  const rig = await import("../../chaos/rig/index.js");
  const { RedisContainer } = await import("../../testkit/redis-container.js");
  try {
    await rig.ensureEngine();
    await rig.ensureImages();
  } catch (error) {
    throw new RedisStartError(
      "no redis-server binary and no Docker engine: install redis-server (apt-get install -y redis-server) or Docker",
      { cause: error },
    );
  }
  const container = await new RedisContainer().start();
  return {
    url: container.url,
    kind: "container",
    stop: async () => {
      await container.stop();
    },
  };
}

/** Starts a private Redis for this run. */
export async function startRedis(): Promise<RunningRedis> {
  const binary = process.env.REDIS_SERVER_BIN ?? redisServerBinary();
  return binary ? startProcess(binary) : startContainer();
}
