// Hub nodes as real processes (node dist/service/main.js), built first when the build is stale.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PROTOCOL_PATH } from "../../service/protocol/index.js";
import type { RunningHub } from "../../testkit/running-hub.js";
import { OwnedProcess } from "./child-process.js";
import { freePorts } from "./free-port.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const HUB_ENTRY = join(REPO_ROOT, "dist/service/main.js");

/** The hub could not be built or did not become ready; the message carries its last output. */
export class HubStartError extends Error {
  override readonly name = "HubStartError";
}

function newestMtime(dir: string, depth = 0): number {
  if (depth > 6 || !existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, depth + 1));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` when dist/service/main.js is missing or older than service/ or contract/. */
export function ensureHubBuilt(): void {
  const built = existsSync(HUB_ENTRY) ? statSync(HUB_ENTRY).mtimeMs : 0;
  const sources = Math.max(
    newestMtime(join(REPO_ROOT, "service")),
    newestMtime(join(REPO_ROOT, "contract")),
  );
  if (built >= sources) return;
  const result = spawnSync("npm", ["run", "--silent", "build"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 180_000,
  });
  if (result.status !== 0 || !existsSync(HUB_ENTRY)) {
    throw new HubStartError(
      `npm run build failed; fix the compile errors first:\n${result.stdout}${result.stderr}`.slice(
        0,
        4_000,
      ),
    );
  }
}

export interface HubProcessOptions {
  nodeId: string;
  redisUrl?: string;
  /** Extra hub settings (the hub's env names, contract/hub-env.ts). */
  env?: Record<string, string>;
  /** Node flags, e.g. --expose-gc for the memory bench. */
  execArgv?: string[];
  /** A different entry (the bench wraps the hub to read its memory). */
  entry?: string;
  entryArgs?: string[];
}

/** Settings that let one load generator on 127.0.0.1 open thousands of connections. */
export const LOAD_FRIENDLY_ENV: Readonly<Record<string, string>> = Object.freeze({
  NODE_ENV: "development",
  LOG_LEVEL: "warn",
  MAX_CONNECTIONS: "100000",
  MAX_CONNECTIONS_PER_IP: "100000",
  MAX_PUBLISH_RATE: "100000",
  MAX_SUBSCRIPTIONS: "100",
  // Stopping a node at the end of a run should not wait out a production drain window.
  DRAIN_SECONDS: "1",
  SHUTDOWN_DELAY_SECONDS: "0",
});

/** A hub node running as a child process of this one. */
export interface HubProcess extends RunningHub {
  nodeId: string;
  port: number;
  wsUrl: string;
  /** The public port: the publish API. */
  httpUrl: string;
  /** The internal port: /livez, /readyz, /metrics. */
  internalUrl: string;
  process: OwnedProcess;
  stop(): Promise<void>;
}

async function ready(httpUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Attempts at a start that lost its free port to another process between probe and bind. */
const PORT_RACE_ATTEMPTS = 5;

/**
 * Starts one hub node on a free port of 127.0.0.1 and waits (bounded) for /readyz 200. A free
 * port can be taken by another process before the hub binds it (tests run files in parallel):
 * such a start (EADDRINUSE, ports not chosen by the caller) is retried on new ports.
 */
export async function startHubProcess(
  options: HubProcessOptions,
  readyWithinMs = 20_000,
): Promise<HubProcess> {
  const ownPorts = options.env?.PORT === undefined && options.env?.INTERNAL_PORT === undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startHubProcessOnce(options, readyWithinMs);
    } catch (err) {
      const raced = err instanceof HubStartError && /EADDRINUSE/.test(err.message);
      if (!raced || !ownPorts || attempt >= PORT_RACE_ATTEMPTS) throw err;
    }
  }
}

async function startHubProcessOnce(
  options: HubProcessOptions,
  readyWithinMs: number,
): Promise<HubProcess> {
  const [port, internalPort] = (await freePorts(2)) as [number, number];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...LOAD_FRIENDLY_ENV,
    PORT: String(port),
    INTERNAL_PORT: String(internalPort),
    HOST: "127.0.0.1",
    NODE_ID: options.nodeId,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  };
  const args = [
    ...(options.execArgv ?? []),
    options.entry ?? HUB_ENTRY,
    ...(options.entryArgs ?? []),
  ];
  const proc = OwnedProcess.spawn(`hub ${options.nodeId}`, process.execPath, args, env, REPO_ROOT);
  const httpUrl = `http://127.0.0.1:${port}`;
  const internalUrl = `http://127.0.0.1:${internalPort}`;
  const deadline = Date.now() + readyWithinMs;
  while (!(await ready(internalUrl))) {
    if (!proc.running || Date.now() > deadline) {
      await proc.stop(2_000);
      throw new HubStartError(
        `hub ${options.nodeId} was not ready on ${internalUrl} within ${readyWithinMs} ms; its last output:\n${proc.output()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: options.nodeId,
    nodeId: options.nodeId,
    port,
    wsUrl: `ws://127.0.0.1:${port}${PROTOCOL_PATH}`,
    httpUrl,
    internalUrl,
    process: proc,
    stop: () => proc.stop(),
  };
}
