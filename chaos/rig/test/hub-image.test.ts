import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildHubImage, TEST_LABEL } from "../index.js";

const exec = promisify(execFile);
const IMAGE = "wshub:rig-test";

async function docker(...args: string[]): Promise<string> {
  return (await exec("docker", args, { timeout: 60_000 })).stdout.trim();
}

async function inspect(id: string, format: string): Promise<string> {
  return docker("inspect", "-f", format, id);
}

describe("the hub image (service/Dockerfile, prebuilt)", () => {
  let container = "";

  beforeAll(async () => {
    await buildHubImage({ tag: IMAGE });
    const jwtSecret = randomBytes(32).toString("hex");
    const apiKey = randomBytes(32).toString("hex");
    // Production mode refuses to start without auth; the memory bus needs no Redis.
    container = await docker(
      "run",
      "-d",
      "--read-only",
      "--tmpfs",
      "/tmp",
      "--label",
      `${TEST_LABEL}=true`,
      "-e",
      `AUTH_JWT_SECRET=${jwtSecret}`,
      "-e",
      `API_KEY=${apiKey}`,
      "-e",
      "DRAIN_SECONDS=1",
      "-e",
      "SHUTDOWN_DELAY_SECONDS=0",
      IMAGE,
    );
  });

  afterAll(async () => {
    if (container) await exec("docker", ["rm", "-f", "-v", container]).catch(() => undefined);
  });

  it("runs as uid 10001 under tini and stops on SIGTERM", async () => {
    expect(await inspect(IMAGE, "{{.Config.User}}")).toBe("10001:10001");
    expect(await inspect(IMAGE, "{{json .Config.Entrypoint}}")).toBe('["/usr/bin/tini","--"]');
    expect(await inspect(IMAGE, "{{.Config.StopSignal}}")).toBe("SIGTERM");
    expect(await inspect(IMAGE, "{{json .Config.Healthcheck.Test}}")).toContain("/livez");
  });

  it("holds only production dependencies", async () => {
    const listing = await docker("run", "--rm", "--entrypoint", "ls", IMAGE, "/app/node_modules");
    const modules = listing.split("\n");
    expect(modules).toContain("ws");
    expect(modules).toContain("ioredis");
    for (const dev of ["typescript", "vitest", "testcontainers", "@pulumi"]) {
      expect(modules).not.toContain(dev);
    }
  });

  it("becomes healthy on a read-only root filesystem, then exits on docker stop", async () => {
    const deadline = Date.now() + 60_000;
    let health = "";
    while (Date.now() < deadline) {
      health = await inspect(container, "{{.State.Health.Status}}");
      if (health !== "starting") break;
      await delay(500);
    }
    expect(health, await docker("logs", "--tail", "20", container)).toBe("healthy");
    // tini forwards SIGTERM to node; a hub that never saw it would be killed (137) after 20 s.
    await docker("stop", "-t", "20", container);
    expect(await inspect(container, "{{.State.ExitCode}}")).not.toBe("137");
    expect(await inspect(container, "{{.State.OOMKilled}}")).toBe("false");
  });
});
