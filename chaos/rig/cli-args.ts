import type { HubBuildMode } from "./hub-build.js";

export type RigCommand =
  | { command: "all"; pull: boolean }
  | { command: "engine" }
  | { command: "images"; pull: boolean }
  | {
      command: "hub-image";
      tags: string[];
      mode: HubBuildMode;
      caFile?: string;
      buildArgs: Record<string, string>;
    }
  | { command: "cleanup" }
  | { command: "help" };

export const USAGE = `Usage: npm run rig -- [command] [options]
  (none)      ensure a Docker engine and the base images (default)
  engine      ensure a Docker engine answers (installs docker.io on Debian as root)
  images      ensure debian:bookworm-slim, node:24-bookworm-slim, redis:7 (pulled or stand-ins)
  hub-image   build the hub image from service/Dockerfile
                --tag NAME (repeatable, default wshub:local)
                --source   npm ci inside the build instead of staging on the host
                --ca FILE  CA bundle for npm ci in the build stage (with --source)
                --build-arg NAME=VALUE (repeatable, e.g. APP_VERSION=v2)
  cleanup     remove all containers and networks labelled wshub.test=true
Options: --no-pull  never try docker pull, build stand-ins directly`;

/** Bad usage of the rig CLI; the message carries the usage text. */
export class RigUsageError extends Error {
  override readonly name = "RigUsageError";
}

/** Parses the CLI's arguments; throws RigUsageError with the usage text on anything unknown. */
export function parseRigArgs(argv: readonly string[]): RigCommand {
  const [first, ...rest] = argv;
  const command = first === undefined || first.startsWith("-") ? "all" : first;
  const options = first === undefined || first.startsWith("-") ? argv : rest;
  let pull = true;
  let mode: HubBuildMode = "prebuilt";
  let caFile: string | undefined;
  const tags: string[] = [];
  const buildArgs: Record<string, string> = {};
  const fail = (why: string): never => {
    throw new RigUsageError(`${why}\n${USAGE}`);
  };
  for (let i = 0; i < options.length; i++) {
    const option = options[i]!;
    const value = (): string => options[++i] ?? fail(`${option} needs a value`);
    if (option === "--no-pull") pull = false;
    else if (option === "--source") mode = "source";
    else if (option === "--tag") tags.push(value());
    else if (option === "--ca") caFile = value();
    else if (option === "--build-arg") {
      const pair = value();
      const eq = pair.indexOf("=");
      if (eq <= 0) fail(`--build-arg expects NAME=VALUE, got "${pair}"`);
      buildArgs[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else if (option === "--help" || option === "-h") return { command: "help" };
    else fail(`unknown option "${option}"`);
  }
  switch (command) {
    case "all":
    case "images":
      return { command, pull };
    case "engine":
    case "cleanup":
    case "help":
      return { command };
    case "hub-image":
      if (caFile !== undefined && mode !== "source") fail("--ca only applies with --source");
      return {
        command,
        tags: tags.length > 0 ? tags : ["wshub:local"],
        mode,
        buildArgs,
        ...(caFile === undefined ? {} : { caFile }),
      };
    default:
      return fail(`unknown command "${command}"`);
  }
}
