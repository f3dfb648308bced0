import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { TestKitError } from "./errors.js";
import {
  type Scheduled,
  type Stream,
  schedule,
  type Toxic,
  type ToxicEntry,
  validateToxic,
} from "./toxics.js";

export interface Endpoint {
  host: string;
  port: number;
}

export interface FaultProxyOptions {
  /** Where to listen; `127.0.0.1` for host clients, a Docker network's gateway for containers. */
  listen?: { host?: string; port?: number };
  /** The server behind the proxy, or a function picking one per connection (`null`: refuse). */
  upstream: Endpoint | (() => Endpoint | null);
  /** Name used in errors and reports. */
  name?: string;
  /**
   * Gives up on an upstream TCP connect after this long and closes the client's connection, so
   * the client retries instead of waiting out its own timeout. A live server's kernel answers a
   * connect at once, busy or not; an address whose container is gone answers nothing.
   */
  upstreamConnectTimeoutMs?: number;
}

// A held (blackholed) stream stops reading, so the sender's kernel buffers fill like in a real
// partition; this bounds what one direction may queue in our memory while toxics delay it.
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/** One direction of one proxied connection: reads `from`, writes `to` under the toxics. */
class Lane {
  private readonly queue: Scheduled[] = [];
  private queued = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private waitingDrain = false;

  constructor(
    readonly stream: Stream,
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly toxics: () => Toxic[],
  ) {
    from.on("data", (chunk: Buffer) => this.push(chunk));
    from.on("end", () => {
      this.ended = true;
      this.pump();
    });
    to.on("drain", () => {
      this.waitingDrain = false;
      this.pump();
    });
  }

  private held(): boolean {
    return this.toxics().some((t) => t.type === "timeout");
  }

  private push(chunk: Buffer): void {
    const pieces = schedule(chunk, this.toxics(), Date.now(), this.lastAt);
    for (const piece of pieces) {
      this.queue.push(piece);
      this.queued += piece.data.length;
      this.lastAt = piece.at;
    }
    if (this.queued > MAX_QUEUED_BYTES) this.from.pause();
    this.pump();
  }

  /** Writes what is due; called on data, timers, drain and whenever the toxics change. */
  pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.to.destroyed) return;
    if (this.held()) {
      this.from.pause();
      return;
    }
    const now = Date.now();
    while (this.queue.length > 0 && !this.waitingDrain) {
      const head = this.queue[0]!;
      if (head.at > now) {
        this.timer = setTimeout(() => this.pump(), Math.ceil(head.at - now));
        return;
      }
      this.queue.shift();
      this.queued -= head.data.length;
      if (!this.to.write(head.data)) this.waitingDrain = true;
    }
    if (this.waitingDrain) {
      this.from.pause();
      return;
    }
    if (this.queue.length === 0 && this.ended) {
      this.to.end();
      return;
    }
    if (this.queued <= MAX_QUEUED_BYTES && this.from.isPaused()) this.from.resume();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

/** Connections the kernel may queue for the proxy while it is busy (capped by somaxconn). */
const LISTEN_BACKLOG = 4096;

/** A blackhole without a deadline: what a frozen connection is held by. */
const FROZEN: Toxic = { type: "timeout", timeout: 0 };

/** One accepted client socket and its upstream socket. */
class ProxiedConnection {
  readonly lanes: Lane[];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;
  /** Frozen by freezeOpen(): nothing flows either way, the sockets stay open. */
  frozen = false;

  constructor(
    readonly client: Socket,
    readonly server: Socket,
    toxicsOf: (stream: Stream) => Toxic[],
    private readonly onClose: (c: ProxiedConnection) => void,
  ) {
    this.lanes = [
      new Lane("upstream", client, server, () => this.toxics(toxicsOf, "upstream")),
      new Lane("downstream", server, client, () => this.toxics(toxicsOf, "downstream")),
    ];
    for (const socket of [client, server]) {
      socket.setNoDelay(true);
      socket.on("error", () => this.destroy());
      socket.on("close", () => this.destroy());
    }
  }

  private toxics(toxicsOf: (stream: Stream) => Toxic[], stream: Stream): Toxic[] {
    const list = toxicsOf(stream);
    return this.frozen ? [...list, FROZEN] : list;
  }

  /** Arms the timers of `timeout`/`reset_peer` toxics that started at `since`. */
  arm(entry: ToxicEntry): void {
    const { toxic } = entry;
    const delay = toxic.type === "timeout" || toxic.type === "reset_peer" ? toxic.timeout : 0;
    if (toxic.type === "timeout" && !delay) return;
    if (toxic.type !== "timeout" && toxic.type !== "reset_peer") return;
    const wait = Math.max(0, entry.since + (delay ?? 0) - Date.now());
    this.timers.set(
      entry.name,
      setTimeout(() => (toxic.type === "reset_peer" ? this.reset() : this.destroy()), wait),
    );
  }

  disarm(name: string): void {
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
  }

  pump(): void {
    for (const lane of this.lanes) lane.pump();
  }

  reset(): void {
    for (const socket of [this.client, this.server]) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const lane of this.lanes) lane.stop();
    this.client.destroy();
    this.server.destroy();
    this.onClose(this);
  }
}

/**
 * A TCP proxy whose faults are set at run time, Toxiproxy style: `addToxic("lag", {type:
 * "latency", latency: 200, jitter: 50})`, `removeToxic("lag")`. Use with `await using`.
 */
export class FaultProxy implements AsyncDisposable {
  readonly name: string;
  private readonly entries = new Map<string, ToxicEntry>();
  private readonly live = new Set<ProxiedConnection>();
  private accepted = 0;

  private constructor(
    private readonly server: Server,
    private readonly pickUpstream: () => Endpoint | null,
    name: string,
    private readonly connectTimeoutMs: number | undefined,
  ) {
    this.name = name;
    server.on("connection", (client) => this.accept(client));
  }

  /** Starts listening (port 0: any free port) and resolves once bound. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const { upstream } = options;
    const pick = typeof upstream === "function" ? upstream : () => upstream;
    const server = createServer({ pauseOnConnect: true });
    const proxy = new FaultProxy(
      server,
      pick,
      options.name ?? "proxy",
      options.upstreamConnectTimeoutMs,
    );
    const host = options.listen?.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) =>
        reject(
          new TestKitError("FAULT", `${proxy.name} cannot listen on ${host}: ${error.message}`, {
            cause: error,
          }),
        ),
      );
      // It stands in for paths that queue no connections of their own (a Service, a network):
      // with Node's default backlog (511) a reconnect storm's SYNs beyond it would be dropped
      // here and retried by TCP a second later, a delay no real balancer adds.
      server.listen({ port: options.listen?.port ?? 0, host, backlog: LISTEN_BACKLOG }, () =>
        resolve(),
      );
    });
    return proxy;
  }

  /** The bound address: give `host:port` to whatever should go through the proxy. */
  get address(): Endpoint {
    const address = this.server.address();
    if (address === null || typeof address === "string") {
      throw new TestKitError("FAULT", `${this.name} is not listening`);
    }
    return { host: address.address, port: address.port };
  }

  /** Connections open now, and accepted since start. */
  get stats(): { open: number; accepted: number } {
    return { open: this.live.size, accepted: this.accepted };
  }

  /** Adds (or replaces) a named toxic on one stream or both; it applies to open connections too. */
  addToxic(name: string, toxic: Toxic, stream: Stream | "both" = "both"): void {
    validateToxic(toxic);
    this.removeToxic(name);
    const streams: Stream[] = stream === "both" ? ["upstream", "downstream"] : [stream];
    const since = Date.now();
    for (const s of streams) {
      const entry: ToxicEntry = { name: `${name}/${s}`, stream: s, toxic, since };
      this.entries.set(entry.name, entry);
      for (const c of this.live) c.arm(entry);
    }
    for (const c of this.live) c.pump();
  }

  /** Removes a toxic by name (no-op when absent); held bytes flow again. */
  removeToxic(name: string): void {
    for (const key of [`${name}/upstream`, `${name}/downstream`]) {
      if (!this.entries.delete(key)) continue;
      for (const c of this.live) c.disarm(key);
    }
    for (const c of this.live) c.pump();
  }

  /** The toxics in force, for reports. */
  toxics(): ToxicEntry[] {
    return [...this.entries.values()];
  }

  private toxicsOf(stream: Stream): Toxic[] {
    const out: Toxic[] = [];
    for (const e of this.entries.values()) if (e.stream === stream) out.push(e.toxic);
    return out;
  }

  private accept(client: Socket): void {
    const target = this.pickUpstream();
    if (target === null) {
      client.destroy();
      return;
    }
    this.accepted += 1;
    const server = tcpConnect(target.port, target.host);
    const connection = new ProxiedConnection(
      client,
      server,
      (s) => this.toxicsOf(s),
      (c) => this.live.delete(c),
    );
    this.live.add(connection);
    for (const entry of this.entries.values()) connection.arm(entry);
    if (this.connectTimeoutMs !== undefined) {
      const timer = setTimeout(
        // After a late timer (this loop was busy), poll once more: a connect that completed
        // meanwhile is seen before the check phase runs.
        () => setImmediate(() => server.connecting && connection.destroy()),
        this.connectTimeoutMs,
      );
      server.once("connect", () => clearTimeout(timer));
      server.once("close", () => clearTimeout(timer));
    }
    client.resume();
  }

  /**
   * Freezes the connections open now, both ways, while their sockets stay open (a silent
   * half-open connection, as behind a partition); connections made later pass. Returns how many.
   */
  freezeOpen(): number {
    let n = 0;
    for (const c of this.live) {
      if (c.frozen) continue;
      c.frozen = true;
      c.pump();
      n++;
    }
    return n;
  }

  /** Destroys every proxied connection (both sides), keeping the listener. */
  dropConnections(): void {
    for (const c of [...this.live]) c.destroy();
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    this.entries.clear();
    this.dropConnections();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
