import { describe, expect, it } from "vitest";
import { dependencyFingerprint, hubBuildArgs } from "./hub-build.js";

const base = { dockerfile: "/repo/service/Dockerfile", context: "/repo" };

describe("hubBuildArgs", () => {
  it("targets the prebuilt stage, tags every name and ends with the context", () => {
    const args = hubBuildArgs({
      ...base,
      tags: ["wshub:v1", "wshub:local"],
      mode: "prebuilt",
      buildArgs: { APP_VERSION: "v1" },
    });
    expect(args).toEqual([
      "build",
      "-f",
      "/repo/service/Dockerfile",
      "--target",
      "prebuilt",
      "-t",
      "wshub:v1",
      "-t",
      "wshub:local",
      "--build-arg",
      "APP_VERSION=v1",
      "/repo",
    ]);
  });

  it("builds the Dockerfile's default target from source", () => {
    const args = hubBuildArgs({ ...base, tags: ["wshub:local"], mode: "source" });
    expect(args).not.toContain("--target");
    expect(args.at(-1)).toBe("/repo");
  });

  it("refuses a build without a tag", () => {
    expect(() => hubBuildArgs({ ...base, tags: [], mode: "source" })).toThrow(/tag/);
  });
});

describe("dependencyFingerprint", () => {
  it("changes when the lock file changes and is stable otherwise", () => {
    const a = dependencyFingerprint("{}", '{"lockfileVersion":3}');
    expect(dependencyFingerprint("{}", '{"lockfileVersion":3}')).toBe(a);
    expect(dependencyFingerprint("{}", '{"lockfileVersion":3,"x":1}')).not.toBe(a);
    // The separator keeps content moving between the two files from colliding.
    expect(dependencyFingerprint("{}a", "b")).not.toBe(dependencyFingerprint("{}", "ab"));
  });
});
