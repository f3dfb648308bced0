// Debian's Chromium for the browser tests: found where Debian installs it, else installed with
// apt-get (Debian, root) the way the chaos rig installs the Docker engine; launched headless
// through playwright-core with a fresh profile and no background traffic.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Where Debian's `chromium` package puts the browser, the real binary first. */
export const CHROMIUM_PATHS = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"] as const;

/** Chromium is missing and cannot be installed here; the message says what to do. */
export class ChromiumMissingError extends Error {
  override readonly name = "ChromiumMissingError";
}

/** The first existing Chromium binary, or undefined. */
export function findChromium(exists: (p: string) => boolean = existsSync): string | undefined {
  return CHROMIUM_PATHS.find((p) => exists(p));
}

function aptGet(args: string[]): void {
  const r = spawnSync("apt-get", args, {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    encoding: "utf8",
    timeout: 10 * 60_000,
  });
  if (r.status !== 0) {
    throw new ChromiumMissingError(
      `apt-get ${args.join(" ")} failed (exit ${r.status}): ${(r.stderr ?? "").slice(-800)}`,
    );
  }
}

/** Idempotent: returns Chromium's path, installing Debian's package first when it is missing. */
export function ensureChromium(): string {
  const found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!existsSync("/etc/debian_version") || !isRoot) {
    throw new ChromiumMissingError(
      "Chromium is not installed and this is not Debian as root: install Debian's `chromium` package (apt-get install -y chromium), then run the browser tests again",
    );
  }
  console.log("[browser tests] installing Debian's chromium package (apt-get)");
  aptGet(["update"]);
  aptGet(["install", "-y", "chromium"]);
  const installed = findChromium();
  if (!installed)
    throw new ChromiumMissingError(
      `apt-get installed chromium but none of ${CHROMIUM_PATHS.join(", ")} exists`,
    );
  return installed;
}

/** Flags that keep headless Chromium quiet on a closed network and working as root. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
] as const;

/** A headless Chromium with a fresh profile directory; close() ends the browser. */
export async function launchChromium(): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), "wshub-chromium-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: ensureChromium(),
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
}
