import { describe, expect, it } from "vitest";
import { type EngineFacts, planEngine } from "./engine-plan.js";

const down: EngineFacts = {
  dockerHost: "",
  engineAnswers: false,
  reason: "Cannot connect to the Docker daemon",
  hasDockerCli: true,
  hasDockerd: false,
  isDebian: true,
  isRoot: true,
};

describe("planEngine", () => {
  it("uses an engine that answers, wherever it is", () => {
    expect(planEngine({ ...down, engineAnswers: true, isDebian: false })).toEqual({
      action: "use",
    });
  });

  it("installs docker.io and starts dockerd on Debian as root when dockerd is missing", () => {
    expect(planEngine(down)).toEqual({ action: "start", installDockerIo: true });
  });

  it("only starts dockerd when it is already installed", () => {
    expect(planEngine({ ...down, hasDockerd: true })).toEqual({
      action: "start",
      installDockerIo: false,
    });
  });

  it("fails naming what to install on other systems", () => {
    const plan = planEngine({ ...down, isDebian: false });
    expect(plan.action).toBe("fail");
    expect(plan.action === "fail" && plan.message).toMatch(/Install Docker Engine/);
  });

  it("fails on Debian without root instead of calling apt-get", () => {
    const plan = planEngine({ ...down, isRoot: false });
    expect(plan.action === "fail" && plan.message).toMatch(/not as root/);
  });

  it("does not start a local daemon when DOCKER_HOST points elsewhere", () => {
    const plan = planEngine({ ...down, dockerHost: "tcp://10.0.0.5:2376" });
    expect(plan.action === "fail" && plan.message).toMatch(/DOCKER_HOST=tcp:\/\/10\.0\.0\.5:2376/);
  });
});
