import type Dockerode from "dockerode";
import { ChaosError } from "../errors.js";

/** Container faults through the Docker API, by container id. Each returns when Docker did it. */
export interface ContainerRef {
  docker: Dockerode;
  id: string;
}

async function act<T>(what: string, id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new ChaosError(
      "FAULT",
      `${what} ${id.slice(0, 12)} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** SIGKILL: the process dies at once, no drain, sockets reset by the kernel. */
export function kill({ docker, id }: ContainerRef): Promise<void> {
  return act("kill", id, () => docker.getContainer(id).kill({ signal: "SIGKILL" }));
}

/**
 * SIGTERM, then SIGKILL after `graceSeconds` (a pod's terminationGracePeriodSeconds). Resolves when
 * the container has exited, with its exit code and whether it needed the SIGKILL.
 */
export async function stop(
  { docker, id }: ContainerRef,
  graceSeconds: number,
): Promise<{ exitCode: number; killed: boolean; tookMs: number }> {
  const started = Date.now();
  await act("stop", id, () =>
    docker
      .getContainer(id)
      .stop({ t: graceSeconds })
      .catch((error: { statusCode?: number }) => {
        // 304: it had already exited (e.g. it died during a rollout step): what stop wanted.
        if (error.statusCode !== 304) throw error;
      }),
  );
  const info = await docker.getContainer(id).inspect();
  const tookMs = Date.now() - started;
  const exitCode = info.State.ExitCode;
  // 137 = 128 + SIGKILL: the grace period ran out.
  return { exitCode, killed: exitCode === 137, tookMs };
}

/** Freezes every process of the container (cgroup freezer): sockets stay open, nothing answers. */
export function pause({ docker, id }: ContainerRef): Promise<void> {
  return act("pause", id, () => docker.getContainer(id).pause());
}

export function unpause({ docker, id }: ContainerRef): Promise<void> {
  return act("unpause", id, () => docker.getContainer(id).unpause());
}

/** Starts a stopped or killed container again (its mapped ports change: re-inspect). */
export function restart({ docker, id }: ContainerRef): Promise<void> {
  return act("start", id, () => docker.getContainer(id).start());
}

/** Removes the container (forced). */
export function remove({ docker, id }: ContainerRef): Promise<void> {
  return act("remove", id, () => docker.getContainer(id).remove({ force: true, v: true }));
}

/** A partition handle: heal() reconnects the container with the aliases it had. */
export interface Partition {
  heal(): Promise<void>;
}

/**
 * Cuts the container off every network it is on, the default `bridge` included (testcontainers
 * leaves containers there too). heal() reconnects each one, passing the aliases again.
 */
export async function partition({ docker, id }: ContainerRef): Promise<Partition> {
  const info = await act("inspect", id, () => docker.getContainer(id).inspect());
  const networks = Object.entries(info.NetworkSettings.Networks).map(([name, n]) => ({
    name,
    id: n.NetworkID,
    aliases: ((n.Aliases ?? []) as string[]).filter((a) => !id.startsWith(a)),
  }));
  for (const n of networks) {
    await act(`disconnect from ${n.name}`, id, () =>
      docker.getNetwork(n.id).disconnect({ Container: id, Force: true }),
    );
  }
  let healed = false;
  return {
    async heal() {
      if (healed) return;
      healed = true;
      for (const n of networks) {
        await act(`reconnect to ${n.name}`, id, () =>
          docker.getNetwork(n.id).connect({
            Container: id,
            EndpointConfig: n.name === "bridge" ? {} : { Aliases: n.aliases },
          }),
        );
      }
    },
  };
}
