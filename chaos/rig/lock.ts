import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { RigError } from "./errors.js";
import { RIG_DIR } from "./paths.js";

/** Whether a process with this pid exists (EPERM: it exists but is not ours to signal). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs `work` while holding the rig's lock (a directory, created atomically), so two test
 * projects that set up at the same time do not install or build the same thing twice.
 * A lock left by a process that died is taken over.
 */
export async function withRigLock<T>(work: () => Promise<T>, waitMs = 15 * 60_000): Promise<T> {
  const dir = join(RIG_DIR, "lock");
  const owner = join(dir, "pid");
  await mkdir(RIG_DIR, { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(owner, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number.parseInt(await readFile(owner, "utf8").catch(() => ""), 10);
      // A lock without a live owner is stale; an empty pid file may be a lock being created.
      if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new RigError(
          "LOCK_TIMEOUT",
          `Another rig run (pid ${pid || "unknown"}) held ${dir} for more than ${waitMs} ms. Wait for it, or remove ${dir} if no rig is running.`,
        );
      }
      await delay(500);
    }
  }
  try {
    return await work();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
