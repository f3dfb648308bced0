import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { cleanupLabelled, DEBIAN_IMAGE, TEST_OWNER_LABEL } from "../index.js";

const exec = promisify(execFile);

// A label of its own, so this test never removes containers another test file is using.
const label = `wshub.test.cleanup-${randomUUID().slice(0, 8)}`;
// Above Linux's largest pid_max, so no process can have it: an owner that is gone.
const DEAD_PID = "4194305";

async function docker(...args: string[]): Promise<string> {
  return (await exec("docker", args, { timeout: 60_000 })).stdout.trim();
}

async function listed(...args: string[]): Promise<string[]> {
  const out = await docker(
    ...args,
    "--no-trunc",
    "--filter",
    `label=${label}=true`,
    "--format",
    "{{.ID}}",
  );
  return out === "" ? [] : out.split("\n");
}

describe("cleanupLabelled", () => {
  it("removes orphaned containers and networks, sparing a live run's until asked for all", async () => {
    const mine = ["--label", `${label}=true`];
    const network = await docker(
      "network",
      "create",
      ...mine,
      "--label",
      `${TEST_OWNER_LABEL}=${DEAD_PID}`,
      `rig-${label}`,
    );
    const orphanRunning = await docker(
      "run",
      "-d",
      ...mine,
      "--label",
      `${TEST_OWNER_LABEL}=${DEAD_PID}`,
      "--network",
      network,
      DEBIAN_IMAGE,
      "sleep",
      "300",
    );
    const ownerless = await docker("create", ...mine, DEBIAN_IMAGE, "true");
    // pid 1 always runs: this stands for another test run still in progress.
    const liveRun = await docker(
      "create",
      ...mine,
      "--label",
      `${TEST_OWNER_LABEL}=1`,
      DEBIAN_IMAGE,
      "true",
    );
    const unlabelled = await docker("create", DEBIAN_IMAGE, "true");
    try {
      expect(await cleanupLabelled({ label })).toEqual({ containers: 2, networks: 1 });
      expect(await listed("ps", "-a")).toEqual([liveRun]);
      expect(await listed("network", "ls")).toEqual([]);

      expect(await cleanupLabelled({ label, scope: "all" })).toEqual({
        containers: 1,
        networks: 0,
      });
      expect(await listed("ps", "-a")).toEqual([]);
      // Containers without the label are not ours to remove.
      expect(await docker("ps", "-aq", "--no-trunc", "--filter", `id=${unlabelled}`)).toBe(
        unlabelled,
      );
    } finally {
      await exec("docker", ["rm", "-f", unlabelled, orphanRunning, ownerless, liveRun]).catch(
        () => undefined,
      );
      await exec("docker", ["network", "rm", network]).catch(() => undefined);
    }
  });
});
