import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { writeSummary } from "./report/index.js";
import rigSetup from "./rig/global-setup.js";
import { buildHubImage } from "./rig/index.js";

const REPORTS = fileURLToPath(new URL("./reports/", import.meta.url));

/**
 * globalSetup of the `chaos` project: the rig's engine and base images, a fresh wshub:local
 * built from the working tree, one report directory for the run, and its summary at the end.
 * `CHAOS_HUB_IMAGE` set (chaos/defects.ts) means that image is used and nothing is rebuilt.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const teardownRig = await rigSetup();
  if (!process.env.CHAOS_HUB_IMAGE) await buildHubImage();
  const runDir =
    process.env.CHAOS_RUN_DIR ?? join(REPORTS, new Date().toISOString().replace(/[:.]/g, "-"));
  await mkdir(runDir, { recursive: true });
  project.provide("chaosRunDir", runDir);
  return async () => {
    const reports = await writeSummary(runDir);
    if (reports.length > 0) process.stderr.write(`chaos reports: ${join(runDir, "summary.md")}\n`);
    await teardownRig();
  };
}
