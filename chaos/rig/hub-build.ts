import { createHash } from "node:crypto";

/** How the hub image gets its code: staged on the host (no network) or built inside Docker. */
export type HubBuildMode = "prebuilt" | "source";

export interface HubBuildRequest {
  tags: readonly string[];
  mode: HubBuildMode;
  /** Docker build args, e.g. `{ APP_VERSION: "v2" }`. */
  buildArgs?: Readonly<Record<string, string>>;
  /** Path of service/Dockerfile and of the context (the repository root). */
  dockerfile: string;
  context: string;
}

/** The `docker build` arguments for a hub image; `source` is the Dockerfile's default target. */
export function hubBuildArgs(request: HubBuildRequest): string[] {
  if (request.tags.length === 0) throw new Error("hubBuildArgs: at least one tag is required");
  const args = ["build", "-f", request.dockerfile];
  if (request.mode === "prebuilt") args.push("--target", "prebuilt");
  for (const tag of request.tags) args.push("-t", tag);
  for (const [name, value] of Object.entries(request.buildArgs ?? {})) {
    args.push("--build-arg", `${name}=${value}`);
  }
  args.push(request.context);
  return args;
}

/** Fingerprint of what decides the production node_modules, so staging reruns only on change. */
export function dependencyFingerprint(packageJson: string, packageLock: string): string {
  return createHash("sha256").update(packageJson).update("\0").update(packageLock).digest("hex");
}
