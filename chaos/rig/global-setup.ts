import { cleanupLabelled, ensureEngine, ensureImages } from "./index.js";

/**
 * vitest globalSetup for projects that start containers: a Docker engine and the base images,
 * no leftovers from a crashed earlier run, and the same cleanup when the run ends. Containers
 * of another test run that is still alive are spared (see TEST_OWNER_LABEL).
 */
export default async function setup(): Promise<() => Promise<void>> {
  // Ryuk's image cannot be pulled here; our own label-based cleanup replaces it.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  await ensureEngine();
  await ensureImages();
  await cleanupLabelled();
  return async () => {
    await cleanupLabelled();
  };
}
