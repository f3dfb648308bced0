import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { hasExecutable, log, run, runChecked } from "./command.js";
import { type EngineStatus, parseDockerInfo } from "./docker-info.js";
import { planEngine } from "./engine-plan.js";
import { RigError } from "./errors.js";

const DOCKERD_LOG = "/var/log/dockerd.log";
const START_WAIT_MS = 90_000;

/** Asks the engine the docker CLI points at (DOCKER_HOST or the default socket) whether it answers. */
export async function probeEngine(): Promise<EngineStatus> {
  if (!(await hasExecutable("docker"))) {
    return { answered: false, reason: "the docker CLI is not on PATH" };
  }
  const result = await run("docker", ["info", "--format", "{{json .}}"], { timeoutMs: 20_000 });
  if (result.timedOut) return { answered: false, reason: "docker info did not answer within 20 s" };
  return parseDockerInfo(result.code, result.stdout, result.stderr);
}

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };

/** Installs Debian packages (the caller has checked: Debian, root). */
export async function aptInstall(packages: readonly string[]): Promise<void> {
  log(`apt-get install ${packages.join(" ")}`);
  await runChecked("apt-get", ["update"], { timeoutMs: 5 * 60_000, env: APT_ENV });
  await runChecked("apt-get", ["install", "-y", ...packages], {
    timeoutMs: 10 * 60_000,
    env: APT_ENV,
  });
}

export function isDebianRoot(): { isDebian: boolean; isRoot: boolean } {
  return {
    isDebian: existsSync("/etc/debian_version"),
    isRoot: typeof process.getuid === "function" && process.getuid() === 0,
  };
}

function dockerdAlreadyRunning(): boolean {
  try {
    const pid = Number.parseInt(readFileSync("/var/run/docker.pid", "utf8"), 10);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function logTail(): string {
  try {
    return readFileSync(DOCKERD_LOG, "utf8").trimEnd().split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Starts dockerd in its own session (it outlives this process) and waits for `docker info`. */
async function startDockerd(): Promise<EngineStatus> {
  let exited: number | null | undefined;
  if (dockerdAlreadyRunning()) {
    log("dockerd is already starting; waiting for it");
  } else {
    log(`starting dockerd (log: ${DOCKERD_LOG})`);
    const out = openSync(DOCKERD_LOG, "a");
    const child = spawn("dockerd", [], { detached: true, stdio: ["ignore", out, out] });
    child.on("exit", (code) => {
      exited = code;
    });
    child.on("error", () => {
      exited = -1;
    });
    child.unref();
  }
  const deadline = Date.now() + START_WAIT_MS;
  let status: EngineStatus = { answered: false, reason: "not probed yet" };
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new RigError(
        "ENGINE_START_FAILED",
        `dockerd exited with ${exited} while starting. Its log (${DOCKERD_LOG}) ends with:\n${logTail()}`,
      );
    }
    status = await probeEngine();
    if (status.answered) return status;
    await delay(500);
  }
  throw new RigError(
    "ENGINE_START_FAILED",
    `dockerd did not answer \`docker info\` within ${START_WAIT_MS / 1000} s (${status.answered ? "" : status.reason}). Its log (${DOCKERD_LOG}) ends with:\n${logTail()}`,
  );
}

/**
 * Makes sure a Docker engine answers: the one at DOCKER_HOST or /var/run/docker.sock, or else
 * (Debian, root) Debian's docker.io installed and started here. Fails with what to install.
 */
export async function ensureEngine(): Promise<{ serverVersion: string }> {
  const status = await probeEngine();
  const { isDebian, isRoot } = isDebianRoot();
  const plan = planEngine({
    dockerHost: process.env.DOCKER_HOST ?? "",
    engineAnswers: status.answered,
    reason: status.answered ? "" : status.reason,
    hasDockerCli: await hasExecutable("docker"),
    hasDockerd: await hasExecutable("dockerd"),
    isDebian,
    isRoot,
  });
  if (plan.action === "fail") throw new RigError("ENGINE_UNAVAILABLE", plan.message);
  if (plan.action === "use" && status.answered) return { serverVersion: status.serverVersion };
  if (plan.action === "start" && plan.installDockerIo) await aptInstall(["docker.io"]);
  const started = await startDockerd();
  if (!started.answered) throw new RigError("ENGINE_START_FAILED", started.reason);
  log(`Docker engine ${started.serverVersion} is up`);
  return { serverVersion: started.serverVersion };
}
