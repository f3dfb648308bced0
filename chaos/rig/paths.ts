import { fileURLToPath } from "node:url";

/** The repository root (this file lives in chaos/rig/). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Everything the rig downloads or stages lives here (gitignored), so reruns reuse it. */
export const RIG_DIR = fileURLToPath(new URL("../../.rig/", import.meta.url));
