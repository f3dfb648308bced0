import type Dockerode from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import { HUB_INTERNAL_PORT } from "../contract/index.js";
import type { RunningHub } from "../testkit/running-hub.js";
import { HUB_PORT } from "./chaos-settings.js";
import { ChaosError } from "./errors.js";

/** What GET /readyz answered: `null` when nothing answered within the timeout. */
export type Readiness = { status: number; version?: string; node?: string } | null;

/** One hub container as the scenarios see it: its address on 127.0.0.1 and its probes. */
export class HubContainer implements RunningHub {
  #port: number;
  #internalPort: number;

  constructor(
    readonly name: string,
    readonly version: string,
    readonly container: StartedTestContainer,
    private readonly docker: Dockerode,
    /** The topology's network: the container's address on it is reachable from this host. */
    private readonly networkName?: string,
  ) {
    this.#port = container.getMappedPort(HUB_PORT);
    this.#internalPort = container.getMappedPort(HUB_INTERNAL_PORT);
  }

  /** Stops (and removes) the container; the topology normally does this at teardown. */
  async stop(): Promise<void> {
    await this.container.stop();
  }

  get id(): string {
    return this.container.getId();
  }

  /** The mapped port on 127.0.0.1 (refresh after a docker restart: it changes). */
  get port(): number {
    return this.#port;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.#port}/v1/ws`;
  }

  /** The hub's public port on the container's own address: no userland port proxy on the way. */
  directAddress(): { host: string; port: number } | undefined {
    if (this.networkName === undefined) return undefined;
    return { host: this.container.getIpAddress(this.networkName), port: HUB_PORT };
  }

  /** The public port: the publish API. */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** The internal port: /livez, /readyz, /metrics. */
  get internalUrl(): string {
    return `http://127.0.0.1:${this.#internalPort}`;
  }

  /** Re-reads the mapped ports from Docker (testcontainers' copy is stale after a restart). */
  async refreshPort(): Promise<number> {
    const info = await this.docker.getContainer(this.id).inspect();
    const mapped = (port: number) => {
      const binding = info.NetworkSettings.Ports[`${port}/tcp`]?.[0]?.HostPort;
      if (!binding) throw new ChaosError("TOPOLOGY", `${this.name} has no mapped port ${port}`);
      return Number(binding);
    };
    this.#port = mapped(HUB_PORT);
    this.#internalPort = mapped(HUB_INTERNAL_PORT);
    return this.#port;
  }

  /** GET /readyz with a timeout; never throws. */
  async readiness(timeoutMs = 1000): Promise<Readiness> {
    try {
      const res = await fetch(`${this.internalUrl}/readyz`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await res.json().catch(() => ({}))) as { version?: string; node?: string };
      return { status: res.status, version: body.version, node: body.node };
    } catch {
      return null;
    }
  }

  async isReady(timeoutMs = 1000): Promise<boolean> {
    return (await this.readiness(timeoutMs))?.status === 200;
  }

  /** The sum of a metric's samples (all label sets); undefined when unreachable or absent. */
  async metric(name: string, timeoutMs = 2000): Promise<number | undefined> {
    try {
      const res = await fetch(`${this.internalUrl}/metrics`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      return sumMetric(await res.text(), name);
    } catch {
      return undefined;
    }
  }
}

/** Sums the samples of `name` in Prometheus text (with or without labels). */
export function sumMetric(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}
