// Headless Chromium for checking pictures (a report's chart rendered to PNG): Debian's package,
// installed the way the rig installs Docker when it is missing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { hasExecutable, runChecked } from "./command.js";
import { aptInstall, isDebianRoot } from "./engine.js";
import { RigError } from "./errors.js";

const CHROMIUM = "chromium";

/** Makes sure `chromium` is on PATH (apt-get install on Debian as root); idempotent. */
export async function ensureChromium(): Promise<string> {
  if (await hasExecutable(CHROMIUM)) return CHROMIUM;
  const { isDebian, isRoot } = isDebianRoot();
  if (!isDebian || !isRoot) {
    throw new RigError(
      "COMMAND_FAILED",
      "chromium is not installed and cannot be installed here (needs Debian and root): install Debian's `chromium` package, then run the test again",
    );
  }
  await aptInstall([CHROMIUM]);
  if (!(await hasExecutable(CHROMIUM)))
    throw new RigError("COMMAND_FAILED", "apt-get installed chromium but it is not on PATH");
  return CHROMIUM;
}

/**
 * Renders `file` (an SVG or HTML page) to a PNG of `width` x `height` with headless Chromium,
 * in a fresh profile and with every background service off (this network is closed).
 */
export async function screenshot(
  file: string,
  out: string,
  size: { width: number; height: number },
): Promise<void> {
  const chromium = await ensureChromium();
  const profile = await mkdtemp(join(tmpdir(), "wshub-chromium-"));
  try {
    await runChecked(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        `--user-data-dir=${profile}`,
        `--screenshot=${out}`,
        `--window-size=${size.width},${size.height}`,
        pathToFileURL(file).href,
      ],
      { timeoutMs: 60_000 },
    );
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
