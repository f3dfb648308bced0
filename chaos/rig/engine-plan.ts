/** Facts about this machine that decide how the rig gets a Docker engine. */
export interface EngineFacts {
  /** DOCKER_HOST as set in the environment (empty when unset). */
  dockerHost: string;
  engineAnswers: boolean;
  /** Why the engine did not answer (first line of the CLI's error). */
  reason: string;
  hasDockerCli: boolean;
  hasDockerd: boolean;
  isDebian: boolean;
  isRoot: boolean;
}

export type EnginePlan =
  | { action: "use" }
  | { action: "start"; installDockerIo: boolean }
  | { action: "fail"; message: string };

const INSTALL_HINT =
  "Install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop and start it, " +
  "or point DOCKER_HOST at an engine that answers.";

/** Decides whether to use the running engine, install and start Debian's docker.io, or stop. */
export function planEngine(facts: EngineFacts): EnginePlan {
  if (facts.engineAnswers) return { action: "use" };
  if (facts.dockerHost !== "") {
    // Starting a local daemon would not help: the CLI and testcontainers would still dial DOCKER_HOST.
    return {
      action: "fail",
      message: `No Docker engine answers at DOCKER_HOST=${facts.dockerHost} (${facts.reason}). Start that engine, or unset DOCKER_HOST to use /var/run/docker.sock.`,
    };
  }
  if (facts.isDebian && facts.isRoot) {
    return { action: "start", installDockerIo: !facts.hasDockerd || !facts.hasDockerCli };
  }
  const where = facts.isDebian
    ? "this Debian machine, but not as root"
    : "this machine (not Debian)";
  return {
    action: "fail",
    message: `No Docker engine answers at /var/run/docker.sock (${facts.reason}), and the rig only installs one on Debian as root; it runs on ${where}. ${INSTALL_HINT}`,
  };
}
