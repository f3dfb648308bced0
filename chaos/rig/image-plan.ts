import { BASE_IMAGES, type BaseImage } from "./names.js";

/** Reads `docker image ls --format '{{.Repository}}:{{.Tag}}'` into a set of names. */
export function parseImageList(stdout: string): Set<string> {
  const names = new Set<string>();
  for (const line of stdout.split("\n")) {
    const name = line.trim();
    if (name !== "" && !name.includes("<none>")) names.add(name);
  }
  return names;
}

/** The base images still missing, in build order (Debian first: the others build FROM it). */
export function missingBaseImages(present: ReadonlySet<string>): BaseImage[] {
  return BASE_IMAGES.filter((image) => !present.has(image));
}

/**
 * Picks the newest cached `npm pack` tarball of `name` with the given major version from a
 * directory listing, so a rerun needs no registry round trip. Returns undefined when none fits.
 */
export function pickCachedTarball(
  files: readonly string[],
  name: string,
  major: number,
): { file: string; version: string } | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${escaped}-(${major}\\.(\\d+)\\.(\\d+))\\.tgz$`);
  let best: { file: string; version: string; minor: number; patch: number } | undefined;
  for (const file of files) {
    const match = pattern.exec(file);
    if (!match) continue;
    const minor = Number(match[2]);
    const patch = Number(match[3]);
    if (!best || minor > best.minor || (minor === best.minor && patch > best.patch)) {
      best = { file, version: match[1]!, minor, patch };
    }
  }
  return best && { file: best.file, version: best.version };
}
