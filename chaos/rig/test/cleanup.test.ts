import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { cleanupLabelled, DEBIAN_IMAGE } from "../index.js";

const exec = promisify(execFile);

// A label of its own, so this test never removes containers another test file is using.
const label = `wshub.test.cleanup-${randomUUID().slice(0, 8)}`;

async function docker(...args: string[]): Promise<string> {
  return (await exec("docker", args, { timeout: 60_000 })).stdout.trim();
}

describe("cleanupLabelled", () => {
  it("removes labelled containers (running ones too) and then labelled networks", async () => {
    const network = await docker("network", "create", "--label", `${label}=true`, `rig-${label}`);
    const running = await docker(
      "run",
      "-d",
      "--label",
      `${label}=true`,
      "--network",
      network,
      DEBIAN_IMAGE,
      "sleep",
      "300",
    );
    const stopped = await docker("create", "--label", `${label}=true`, DEBIAN_IMAGE, "true");
    const unlabelled = await docker("create", DEBIAN_IMAGE, "true");
    try {
      expect(await cleanupLabelled(label)).toEqual({ containers: 2, networks: 1 });
      expect(await docker("ps", "-aq", "--filter", `label=${label}=true`)).toBe("");
      expect(await docker("network", "ls", "-q", "--filter", `label=${label}=true`)).toBe("");
      // Containers without the label are not ours to remove.
      expect(await docker("ps", "-aq", "--no-trunc", "--filter", `id=${unlabelled}`)).toBe(
        unlabelled,
      );
      expect(await cleanupLabelled(label)).toEqual({ containers: 0, networks: 0 });
    } finally {
      await exec("docker", ["rm", "-f", unlabelled, running, stopped]).catch(() => undefined);
      await exec("docker", ["network", "rm", network]).catch(() => undefined);
    }
  });
});
