import { describe, expect, it } from "vitest";
import { parseDockerInfo } from "./docker-info.js";

describe("parseDockerInfo", () => {
  it("reports an engine that answered with its version", () => {
    const stdout = JSON.stringify({
      ServerVersion: "20.10.24",
      OperatingSystem: "Debian GNU/Linux 12",
    });
    expect(parseDockerInfo(0, stdout, "")).toEqual({
      answered: true,
      serverVersion: "20.10.24",
      operatingSystem: "Debian GNU/Linux 12",
    });
  });

  it("treats the client-only JSON the CLI prints without a daemon as not answering", () => {
    const stdout = JSON.stringify({ ServerVersion: "", ClientInfo: { Version: "28.2.2" } });
    const stderr = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\nmore";
    expect(parseDockerInfo(1, stdout, stderr)).toEqual({
      answered: false,
      reason: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.",
    });
  });

  it("uses the first server error when the CLI reports one", () => {
    const stdout = JSON.stringify({ ServerVersion: "", ServerErrors: ["permission denied"] });
    expect(parseDockerInfo(0, stdout, "")).toEqual({
      answered: false,
      reason: "permission denied",
    });
  });

  it("does not throw on output that is not JSON", () => {
    expect(parseDockerInfo(127, "", "docker: not found")).toEqual({
      answered: false,
      reason: "docker: not found",
    });
  });
});
