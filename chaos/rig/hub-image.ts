import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { log, runChecked } from "./command.js";
import { RigError } from "./errors.js";
import { dependencyFingerprint, type HubBuildMode, hubBuildArgs } from "./hub-build.js";
import { withRigLock } from "./lock.js";
import { HUB_IMAGE } from "./names.js";
import { REPO_ROOT, RIG_DIR } from "./paths.js";

const STAGE_DIR = join(RIG_DIR, "hub");
// Only this subdirectory goes into the image (see .dockerignore and the Dockerfile's prebuilt stage).
const APP_DIR = join(STAGE_DIR, "app");
const BUILD_CA = join(RIG_DIR, "build-ca.pem");
const MINUTE = 60_000;

export interface BuildHubImageOptions {
  /** Image tag(s); default `wshub:local`. */
  tag?: string | readonly string[];
  /** `prebuilt` (default): compile and stage on the host, no network in the build. */
  mode?: HubBuildMode;
  /** `source` mode only: CA bundle the build stage trusts for `npm ci` (TLS-inspecting proxies). */
  caFile?: string;
  /** Docker build args, e.g. `{ APP_VERSION: "v2" }` (the image's APP_VERSION env). */
  buildArgs?: Readonly<Record<string, string>>;
}

/** Production node_modules in .rig/hub/app, reinstalled only when package.json or the lock changes. */
async function stageDependencies(): Promise<void> {
  const packageJson = await readFile(join(REPO_ROOT, "package.json"), "utf8");
  const packageLock = await readFile(join(REPO_ROOT, "package-lock.json"), "utf8");
  const fingerprint = dependencyFingerprint(packageJson, packageLock);
  const marker = join(STAGE_DIR, "deps.sha256");
  const current = await readFile(marker, "utf8").catch(() => "");
  if (current === fingerprint && existsSync(join(APP_DIR, "node_modules"))) return;
  log("staging production node_modules (npm ci --omit=dev)");
  await rm(STAGE_DIR, { recursive: true, force: true });
  await mkdir(APP_DIR, { recursive: true });
  await writeFile(join(APP_DIR, "package.json"), packageJson);
  await writeFile(join(APP_DIR, "package-lock.json"), packageLock);
  await runChecked(
    "npm",
    ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
    { cwd: APP_DIR, timeoutMs: 10 * MINUTE },
  );
  // The image needs the installed tree, not the lock file.
  await rm(join(APP_DIR, "package-lock.json"));
  await writeFile(marker, fingerprint);
}

/** Compiles service/ with the repo's tsc into .rig/hub/app/dist (leaves the repo's dist/ alone). */
async function stageDist(): Promise<void> {
  if (!existsSync(join(REPO_ROOT, "service", "main.ts"))) {
    throw new RigError(
      "IMAGE_BUILD_FAILED",
      "service/main.ts does not exist yet: there is no hub to put in an image.",
    );
  }
  const outDir = join(APP_DIR, "dist");
  await rm(outDir, { recursive: true, force: true });
  log("compiling the hub (tsc -p tsconfig.build.json)");
  await runChecked(
    process.execPath,
    [
      join(REPO_ROOT, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      outDir,
    ],
    { cwd: REPO_ROOT, timeoutMs: 5 * MINUTE },
  );
}

/**
 * Builds the hub image from service/Dockerfile (default tag `wshub:local`). The default
 * `prebuilt` mode needs no network inside the build; `source` runs `npm ci` in the build stage.
 */
export async function buildHubImage(options: BuildHubImageOptions = {}): Promise<string[]> {
  const tags = typeof options.tag === "string" ? [options.tag] : [...(options.tag ?? [HUB_IMAGE])];
  const mode = options.mode ?? "prebuilt";
  const args = hubBuildArgs({
    tags,
    mode,
    buildArgs: options.buildArgs,
    dockerfile: join(REPO_ROOT, "service", "Dockerfile"),
    context: REPO_ROOT,
  });
  return withRigLock(async () => {
    if (mode === "prebuilt") {
      await stageDependencies();
      await stageDist();
    }
    await rm(BUILD_CA, { force: true });
    if (mode === "source" && options.caFile) await copyFile(options.caFile, BUILD_CA);
    log(`docker build ${tags.join(" ")} (${mode})`);
    try {
      await runChecked("docker", args, { cwd: REPO_ROOT, timeoutMs: 20 * MINUTE });
    } finally {
      await rm(BUILD_CA, { force: true });
    }
    return tags;
  });
}
