import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ensureHubBuilt, REPO_ROOT } from "../../../../loadtests/harness/hub-process.js";
import { ensureChromium } from "./chromium.js";

export const BUNDLE = join(REPO_ROOT, "dist/browser/wshub-client.min.js");

/** vitest globalSetup of the browser project: Chromium installed, hub and bundle built. */
export default function setup(): void {
  ensureChromium();
  ensureHubBuilt();
  if (existsSync(BUNDLE)) return;
  const r = spawnSync("npm", ["run", "--silent", "bundle"], { cwd: REPO_ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm run bundle failed:\n${r.stdout}${r.stderr}`);
}
