import { log, run, runChecked } from "./command.js";
import { missingBaseImages, parseImageList } from "./image-plan.js";
import { withRigLock } from "./lock.js";
import { type BaseImage, DEBIAN_IMAGE, NODE_IMAGE, REDIS_IMAGE } from "./names.js";
import { buildDebianStandin, buildNodeStandin, buildRedisStandin } from "./standins.js";

// Long enough for a real pull of the Node image; an unreachable registry fails in milliseconds.
const PULL_TIMEOUT_MS = 180_000;

const BUILDERS: Record<BaseImage, () => Promise<void>> = {
  [DEBIAN_IMAGE]: buildDebianStandin,
  [NODE_IMAGE]: buildNodeStandin,
  [REDIS_IMAGE]: buildRedisStandin,
};

/** Names of all tagged images the engine has. */
export async function localImages(): Promise<Set<string>> {
  const result = await runChecked(
    "docker",
    ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"],
    {
      timeoutMs: 30_000,
    },
  );
  return parseImageList(result.stdout);
}

export interface EnsureImagesOptions {
  /** Try `docker pull` before building a stand-in (default true; `--no-pull` on the CLI). */
  pull?: boolean;
}

/** What happened to each base image: already there, pulled, or built as a local stand-in. */
export type ImageOutcome = "present" | "pulled" | "standin";

/**
 * Makes sure debian:bookworm-slim, node:24-bookworm-slim and redis:7 exist locally: pulled when
 * a registry answers, otherwise built as labelled stand-ins under the same names.
 */
export async function ensureImages(
  options: EnsureImagesOptions = {},
): Promise<Record<BaseImage, ImageOutcome>> {
  const outcome: Record<BaseImage, ImageOutcome> = {
    [DEBIAN_IMAGE]: "present",
    [NODE_IMAGE]: "present",
    [REDIS_IMAGE]: "present",
  };
  // Checked before taking the lock so the common case (all present) stays a single docker call.
  if (missingBaseImages(await localImages()).length === 0) return outcome;
  return withRigLock(async () => {
    let tryPull = options.pull ?? true;
    for (const image of missingBaseImages(await localImages())) {
      if (tryPull) {
        const pulled = await run("docker", ["pull", image], { timeoutMs: PULL_TIMEOUT_MS });
        if (pulled.code === 0) {
          log(`pulled ${image}`);
          outcome[image] = "pulled";
          continue;
        }
        // One failed pull means no registry here; do not wait on it for the other images.
        tryPull = false;
        log(
          `cannot pull ${image} (${pulled.stderr.trim().split("\n")[0] ?? ""}); building a local stand-in`,
        );
      }
      await BUILDERS[image]();
      outcome[image] = "standin";
    }
    return outcome;
  });
}
