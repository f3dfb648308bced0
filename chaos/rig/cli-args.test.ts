import { describe, expect, it } from "vitest";
import { parseRigArgs } from "./cli-args.js";

describe("parseRigArgs", () => {
  it("defaults to engine + images with pulls allowed", () => {
    expect(parseRigArgs([])).toEqual({ command: "all", pull: true });
    expect(parseRigArgs(["--no-pull"])).toEqual({ command: "all", pull: false });
  });

  it("reads hub-image tags, mode, CA and build args", () => {
    expect(
      parseRigArgs([
        "hub-image",
        "--tag",
        "wshub:v1",
        "--tag",
        "wshub:v2",
        "--source",
        "--ca",
        "/etc/ssl/ca.pem",
        "--build-arg",
        "APP_VERSION=v=2",
      ]),
    ).toEqual({
      command: "hub-image",
      tags: ["wshub:v1", "wshub:v2"],
      mode: "source",
      caFile: "/etc/ssl/ca.pem",
      buildArgs: { APP_VERSION: "v=2" },
    });
  });

  it("builds wshub:local from staged files by default", () => {
    expect(parseRigArgs(["hub-image"])).toEqual({
      command: "hub-image",
      tags: ["wshub:local"],
      mode: "prebuilt",
      buildArgs: {},
    });
  });

  it("rejects unknown commands, options and incomplete values with the usage text", () => {
    expect(() => parseRigArgs(["bogus"])).toThrow(/unknown command "bogus"[\s\S]*Usage/);
    expect(() => parseRigArgs(["images", "--fast"])).toThrow(/unknown option "--fast"/);
    expect(() => parseRigArgs(["hub-image", "--tag"])).toThrow(/--tag needs a value/);
    expect(() => parseRigArgs(["hub-image", "--build-arg", "=x"])).toThrow(/NAME=VALUE/);
    expect(() => parseRigArgs(["hub-image", "--ca", "x.pem"])).toThrow(/--source/);
  });
});
