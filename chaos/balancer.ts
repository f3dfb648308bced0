import { FaultProxy } from "../testkit/fault-proxy.js";
import type { StackSettings } from "./chaos-settings.js";

/** Far above a live node's TCP handshake on a local bridge (well under 1 ms), busy or not. */
const UPSTREAM_CONNECT_TIMEOUT_MS = 500;

/** What the balancer needs of a node (a HubContainer, or a local server in tests). */
export interface Backend {
  readonly name: string;
  readonly port: number;
  /**
   * Where the node listens without a host port mapping in between (a container's own address):
   * preferred when given, as kube-proxy routes in the kernel where Docker's userland proxy would
   * copy every byte in another process.
   */
  directAddress?(): { host: string; port: number } | undefined;
  isReady(timeoutMs: number): Promise<boolean>;
}

interface Endpoint {
  node: Backend;
  ready: boolean;
  failures: number;
  /** Its process was killed: connections routed to it are reset until it leaves rotation. */
  crashed?: boolean;
}

/**
 * A Kubernetes Service stand-in on 127.0.0.1: new connections go round-robin to the nodes whose
 * readiness probe (the infra's period, timeout and failure threshold) passes; open connections
 * stay where they are when a node turns unready, as with kube-proxy.
 */
export class Balancer implements AsyncDisposable {
  readonly #endpoints: Endpoint[] = [];
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #probing = false;
  #proxy!: FaultProxy;

  private constructor(private readonly probe: StackSettings["probes"]["readiness"]) {}

  static async start(settings: Pick<StackSettings, "probes">): Promise<Balancer> {
    const balancer = new Balancer(settings.probes.readiness);
    balancer.#proxy = await FaultProxy.start({
      name: "balancer",
      upstream: () => balancer.pick(),
      // A killed container's address answers nothing (a crashed pod's keeps refusing): without
      // this, a client sent there before the node leaves rotation waits out its connect timeout.
      upstreamConnectTimeoutMs: UPSTREAM_CONNECT_TIMEOUT_MS,
    });
    balancer.#timer = setInterval(
      () => void balancer.probeAll(),
      balancer.probe.periodSeconds * 1000,
    );
    return balancer;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.#proxy.address.port}/v1/ws`;
  }

  /** Adds a node; it takes traffic once its first probe passes. */
  add(node: Backend): void {
    this.#endpoints.push({ node, ready: false, failures: 0 });
    void this.probeAll();
  }

  /** Takes a node out of rotation (terminating, removed); open connections are not cut. */
  remove(node: Backend): void {
    const i = this.#endpoints.findIndex((e) => e.node === node);
    if (i >= 0) this.#endpoints.splice(i, 1);
  }

  /**
   * The node's process is being killed: a connection still routed to it is reset at once, as a
   * pod whose container died answers until its endpoint is gone. A killed container's address
   * answers nothing at all, so without this a client sent there waits out the connect timeout.
   */
  crashed(node: Backend): void {
    const e = this.#endpoints.find((x) => x.node === node);
    if (e) e.crashed = true;
  }

  /** Client connections open through the balancer now. */
  get openConnections(): number {
    return this.#proxy.stats.open;
  }

  /** Names of the nodes in rotation now. */
  readyNodes(): string[] {
    return this.#endpoints.filter((e) => e.ready).map((e) => e.node.name);
  }

  private pick(): { host: string; port: number } | null {
    const ready = this.#endpoints.filter((e) => e.ready);
    if (ready.length === 0) return null;
    const { node, crashed } = ready[this.#next++ % ready.length]!;
    // null: the proxy resets the client's connection, what a dead pod's address answers.
    if (crashed) return null;
    return node.directAddress?.() ?? { host: "127.0.0.1", port: node.port };
  }

  /** One probe round; a node leaves rotation after failureThreshold misses, returns on a pass. */
  async probeAll(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    try {
      await Promise.all(
        this.#endpoints.map(async (e) => {
          const ok = await e.node.isReady(this.probe.timeoutSeconds * 1000);
          if (ok) {
            e.ready = true;
            e.failures = 0;
          } else if (++e.failures >= this.probe.failureThreshold) {
            e.ready = false;
          }
        }),
      );
    } finally {
      this.#probing = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#proxy.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
