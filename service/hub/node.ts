// One hub node: HTTP server, WebSocket gateway, connection registry, heartbeats and drain.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { keyringSource } from "../api-keys.js";
import type { Broker, ControlPlane, PresenceStore } from "../bus/index.js";
import {
  MemoryBroker,
  MemoryControlGroup,
  MemoryControlPlane,
  MemoryPresence,
} from "../bus/index.js";
import { type Config, MIN_API_KEY_LENGTH } from "../config.js";
import { createLogger, type Logger } from "../logger.js";
import { createMetrics, type Metrics } from "../metrics.js";
import { CLOSE, MOVE_QUERY, PING_QUERY } from "../protocol/index.js";
import { type Authenticator, type Claims, createAuthenticator } from "./auth.js";
import { Connection, type ConnectionContext } from "./connection.js";
import { connectionId } from "./connection-id.js";
import { drainPlan } from "./drain-plan.js";
import { Fanout } from "./fanout.js";
import { admit, clientAddress, refuse } from "./gateway.js";
import { createInternalApp, createPublicApp, type HttpDeps } from "./http.js";
import { HttpSockets, watchServerErrors } from "./http-sockets.js";
import { nodeCommands } from "./node-commands.js";
import { HubPresence } from "./presence.js";
import { TimerRegistry } from "./timers.js";
import { UpgradeCounters } from "./upgrade-counters.js";
import { WriteBatch } from "./write-batch.js";

export type NodeStats = {
  connections: number;
  channels: number;
  timers: number;
  ips: number;
  /** Sockets ws still holds, closing ones included: back to zero once every peer is cut. */
  sockets: number;
};

export type HubNodeOptions = {
  logger?: Logger;
  /** A broker to use instead of the one the config names (tests). */
  broker?: Broker;
  /** On the memory bus: the in-process nodes this one answers with (tests); default: alone. */
  controlGroup?: MemoryControlGroup;

  /** A presence store to use instead of the one the config names (tests). */
  presence?: PresenceStore;
};

/** Creates the control plane beside the broker: in-process on memory, Redis pub/sub otherwise. */
async function controlFor(
  config: Config,
  options: HubNodeOptions,
  log: Logger,
): Promise<ControlPlane> {
  if (config.redis.mode === "memory")
    return new MemoryControlPlane(config.nodeId, options.controlGroup ?? new MemoryControlGroup());
  const { RedisControlPlane } = await import("../bus/redis/index.js");
  const password = config.secrets.REDIS_PASSWORD;
  return new RedisControlPlane({
    ...(config.redis.mode === "url"
      ? { url: config.redis.url }
      : config.redis.mode === "cluster"
        ? { clusterNodes: config.redis.nodes }
        : { sentinels: config.redis.sentinels, sentinelName: config.redis.name }),
    ...(password ? { password: () => password.read() } : {}),
    nodeId: config.nodeId,
    nodeTtlMs: config.nodeTtlMs,
    logger: log.child({ component: "control" }),
  });
}

/** The presence store: none unless a namespace tracks presence; Redis beside a Redis bus. */
async function presenceFor(config: Config, log: Logger): Promise<PresenceStore | undefined> {
  if (!config.channels.anyPresence) return undefined;
  if (config.redis.mode === "memory") return new MemoryPresence();
  const { RedisPresence } = await import("../bus/redis/index.js");
  const password = config.secrets.REDIS_PASSWORD;
  return new RedisPresence({
    ...(config.redis.mode === "url"
      ? { url: config.redis.url }
      : config.redis.mode === "cluster"
        ? { clusterNodes: config.redis.nodes }
        : { sentinels: config.redis.sentinels, sentinelName: config.redis.name }),
    ...(password ? { password: () => password.read() } : {}),
    nodeId: config.nodeId,
    heartbeatMs: config.presenceHeartbeatMs,
    logger: log.child({ component: "presence" }),
  });
}

/** Per-channel history (NAMESPACES): a namespace without history keeps nothing (size 0). */
function historyOf(
  config: Config,
): ((ch: string) => { size: number; ttlSeconds: number }) | undefined {
  if (config.channels.namespaces.size === 0) return undefined;
  return (ch) => {
    const h = config.channels.of(ch).history;
    return h === false ? { size: 0, ttlSeconds: config.historyTtlSeconds } : h;
  };
}

/** Creates the broker the config names: memory, or Redis (loaded only when asked for). */
async function brokerFor(config: Config, log: Logger): Promise<Broker> {
  const sizes = {
    historySize: config.historySize,
    historyTtlSeconds: config.historyTtlSeconds,
    dedupeSeconds: config.dedupeSeconds,
    maxChannels: config.maxChannels,
    historyOf: historyOf(config),
  };
  if (config.redis.mode === "memory") return new MemoryBroker(sizes);
  const { RedisBroker, RedisClusterBroker } = await import("../bus/redis/index.js");
  const password = config.secrets.REDIS_PASSWORD;
  if (config.redis.mode === "cluster")
    return new RedisClusterBroker({
      ...sizes,
      nodes: config.redis.nodes,
      ...(password ? { password: () => password.read() } : {}),
      minReplicas: config.redisMinReplicas,
      nodeId: config.nodeId,
      logger: log.child({ component: "redis" }),
    });
  return new RedisBroker({
    ...sizes,
    ...(config.redis.mode === "url"
      ? { url: config.redis.url }
      : { sentinels: config.redis.sentinels, sentinelName: config.redis.name }),
    ...(password ? { password: () => password.read() } : {}),
    minReplicas: config.redisMinReplicas,
    nodeId: config.nodeId,
    logger: log.child({ component: "redis" }),
  });
}

export class HubNode {
  readonly log: Logger;
  readonly metrics: Metrics;
  private broker!: Broker;
  private control: ControlPlane | undefined;
  private readonly startedAt = Date.now();
  private fanout!: Fanout;
  private presence: HubPresence | undefined;
  private server: Server | undefined;
  private internalServer: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly timers = new TimerRegistry();
  private readonly connections = new Set<Connection>();
  private readonly counters = new UpgradeCounters();
  private httpSockets: HttpSockets | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private ready = false;
  private acceptingUpgrades = false;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly config: Config,
    private readonly options: HubNodeOptions = {},
  ) {
    this.log =
      options.logger ??
      createLogger({ level: config.logLevel, nodeId: config.nodeId, version: config.version });
    this.metrics = createMetrics({ version: config.version, node: config.nodeId });
  }

  /** The public port (WebSockets, publish API), useful with PORT=0. */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.config.port;
  }

  /** The internal port (/livez, /readyz, /metrics), useful with INTERNAL_PORT=0. */
  get internalPort(): number {
    return (this.internalServer?.address() as AddressInfo | null)?.port ?? this.config.internalPort;
  }

  stats(): NodeStats {
    return {
      connections: this.connections.size,
      channels: this.fanout?.channelCount ?? 0,
      timers: this.timers.count,
      ips: this.counters.addresses,
      sockets: this.wss?.clients.size ?? 0,
    };
  }

  async start(): Promise<void> {
    const c = this.config;
    this.broker = this.options.broker ?? (await brokerFor(c, this.log));
    this.fanout = new Fanout(this.broker, this.metrics, this.log);
    this.broker.onStatus((s) => {
      this.metrics.redisUp.set(s.up ? 1 : 0);
      this.log[s.up ? "info" : "warn"]({ reason: s.reason }, s.up ? "bus up" : "bus down");
      if (s.up) this.fanout.catchUpAll();
    });
    // A Redis Cluster moved one channel's slot: fill that channel's gap from history.
    this.broker.onGap?.((ch) => this.fanout.catchUp(ch));
    await this.broker.start();
    const presenceStore = this.options.presence ?? (await presenceFor(c, this.log));
    try {
      await presenceStore?.start();
    } catch (err) {
      await this.broker.stop();
      throw err;
    }
    const presence = new HubPresence(
      presenceStore,
      c.channels,
      this.fanout,
      c.maxPresenceMembers,
      this.log,
    );
    this.presence = presence;
    this.metrics.redisUp.set(this.broker.status().up ? 1 : 0);
    const auth = createAuthenticator({
      secret: c.secrets.AUTH_JWT_SECRET,
      publicKey: c.secrets.AUTH_JWT_PUBLIC_KEY,
    });
    for (const name of c.unknownSettings)
      this.log.warn({ setting: name }, "unknown setting ignored: check its spelling");
    if (!auth.enabled)
      this.log.warn("authentication is off: every client may use every channel (development only)");
    const control = await controlFor(c, this.options, this.log);
    this.control = control;
    try {
      await control.start(
        nodeCommands({
          connections: () => this.connections,
          info: () => ({
            id: c.nodeId,
            version: c.version,
            connections: this.connections.size,
            subscriptions: [...this.connections].reduce((n, conn) => n + conn.channels.size, 0),
            channels: this.fanout.channelCount,
            uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
          }),
        }),
      );
    } catch (err) {
      await this.broker.stop();
      this.metrics.stop();
      throw err;
    }
    const keyring = keyringSource(
      { apiKey: c.secrets.API_KEY, apiKeys: c.secrets.API_KEYS },
      {
        production: c.production,
        minLength: MIN_API_KEY_LENGTH,
        onBad: (message) =>
          this.log.error(
            { message },
            "API_KEYS changed and no longer parses: the last good keys stay in force",
          ),
      },
    );
    if (keyring().open)
      this.log.warn("no API key is set: the server API is open to everyone (development only)");
    const deps: HttpDeps = {
      broker: this.broker,
      control,
      controlTimeoutMs: c.controlTimeoutMs,
      keyring,
      metrics: this.metrics,
      log: this.log,
      maxPayloadBytes: c.maxPayloadBytes,
      version: c.version,
      nodeId: c.nodeId,
      presence,
      notReadyReason: () => {
        if (!this.ready) return "draining";
        const s = this.broker.status();
        return s.up ? undefined : `bus unreachable: ${s.reason ?? "down"}`;
      },
    };
    // Node enforces both timeouts only on a sweep every connectionsCheckingInterval (30 s by
    // default): sweep often enough that a 10 s header timeout cuts at 10 s, not 30.
    const serverOptions = {
      headersTimeout: c.httpHeadersTimeoutMs,
      requestTimeout: c.httpRequestTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, c.httpHeadersTimeoutMs / 4)),
    };
    const server = createServer(serverOptions, createPublicApp(deps));
    this.server = server;
    const httpSockets = new HttpSockets(c.maxHttpSockets, this.metrics);
    httpSockets.attach(server);
    this.httpSockets = httpSockets;
    const internal = createServer(serverOptions, createInternalApp(deps));
    this.internalServer = internal;
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: c.maxPayloadBytes,
      perMessageDeflate: false,
    });
    this.wss = wss;
    const ctx = {
      nodeId: c.nodeId,
      broker: this.broker,
      fanout: this.fanout,
      auth,
      metrics: this.metrics,
      timers: this.timers,
      log: this.log,
      maxSubscriptions: c.maxSubscriptions,
      maxPublishRate: c.maxPublishRate,
      maxSubscribeRate: c.maxSubscribeRate,
      maxRefreshRate: c.maxRefreshRate,
      slowConsumerBytes: c.slowConsumerBytes,
      maxConnectionBytes: c.maxConnectionBytes,
      channels: c.channels,
      presence,
      maxPresenceRate: c.maxPresenceRate,
      writeBatch: new WriteBatch(),
    };
    server.on("upgrade", (req, socket, head) => this.upgrade(wss, ctx, auth, req, socket, head));
    try {
      await listen(internal, c.internalPort, c.host);
      // A node that takes over a dead node's clients gets them all at once: with Node's default
      // backlog (511) the connections beyond it are dropped and retried by TCP a second later.
      await listen(server, c.port, c.host, c.maxConnections);
    } catch (err) {
      // e.g. EADDRINUSE: release the ports, the bus connections and the loop monitor first.
      await closeServer(internal);
      await control.stop();
      await presence.stop();
      await this.broker.stop();
      this.metrics.stop();
      throw err;
    }
    watchServerErrors(server, this.metrics, this.log);
    this.heartbeat = setInterval(() => this.beat(), c.heartbeatMs);
    this.ready = true;
    this.acceptingUpgrades = true;
    this.log.info(
      {
        port: this.port,
        internalPort: this.internalPort,
        bus: this.broker.kind,
        auth: auth.enabled,
      },
      "hub node listening",
    );
  }

  /** Every connection's `onGone`: one function, not a closure per connection. */
  private readonly connectionGone = (conn: Connection, reason: string): void => {
    if (!this.connections.delete(conn)) return;
    this.counters.closed(conn.ip);
    this.metrics.disconnects.inc({ reason });
    this.metrics.connections.set(this.connections.size);
  };

  /** One sweep for all connections: a peer silent for two intervals is terminated. */
  private beat(): void {
    for (const conn of this.connections) {
      if (conn.isClosing) continue;
      if (conn.missedBeats >= 2) conn.terminate("heartbeat_timeout");
      else conn.ping();
    }
  }

  /** One upgrade request: admission (origin, limits, token) before ws sees it. */
  private upgrade(
    wss: WebSocketServer,
    ctx: ConnectionContext,
    auth: Authenticator,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): void {
    socket.on("error", destroySocket);
    const c = this.config;
    const from = clientAddress(req, c.trustProxy);
    const { state, release } = this.counters.begin(
      from,
      () => this.connections.size,
      () => this.acceptingUpgrades,
    );
    void admit(req, from, c, state, auth, this.metrics)
      .then((a) => {
        release();
        if (!a.ok) return refuse(socket, a);
        if (!this.acceptingUpgrades || socket.destroyed)
          return refuse(socket, { ok: false, status: 503, message: "shutting down" });
        this.accept(wss, ctx, req, socket, head, a.ip, a.claims);
      })
      .catch((err: unknown) => {
        release();
        this.log.error({ err: String(err) }, "upgrade failed");
        socket.destroy();
      });
  }

  /**
   * Hands an admitted upgrade to ws. Kept out of the "upgrade" listener on purpose: closures made
   * there would keep that listener's scope, and with it the request, alive for the connection's
   * whole life (1.4 KB of heap per idle connection, measured with the bench's memory phase).
   */
  private accept(
    wss: WebSocketServer,
    ctx: ConnectionContext,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    ip: string,
    claims: Claims | undefined,
  ): void {
    const query = new URL(req.url ?? "/", "http://hub.invalid").searchParams;
    const wantsPing = query.get(PING_QUERY) === "1";
    const canMove = query.get(MOVE_QUERY) === "1";
    // Counted only once ws accepts: a handshake it rejects (bad key, version) never reaches the
    // callback and would otherwise hold the address's slot forever.
    // A WebSocket from here on: MAX_CONNECTIONS bounds it, not MAX_HTTP_SOCKETS.
    this.httpSockets?.upgraded(req.socket);
    // The 101 and the hello leave in one write: a syscall less per connection, which a node
    // absorbing a dead node's clients pays once per client. ws calls back synchronously.
    socket.cork();
    wss.handleUpgrade(req, socket, head, (ws) => {
      this.counters.opened(ip);
      const id = connectionId();
      const conn = new Connection(
        id,
        ws,
        claims,
        ctx,
        this.connectionGone,
        wantsPing
          ? { pingMs: this.config.heartbeatMs, move: canMove, socket, ip }
          : { move: canMove, socket, ip },
      );
      this.connections.add(conn);
      this.metrics.connects.inc();
      this.metrics.connections.set(this.connections.size);
    });
    socket.uncork();
  }

  /**
   * Graceful shutdown: readiness off, wait for endpoints to notice, refuse upgrades, ask clients
   * that understand `move` to move (make-before-break), close the others with 1001 and a jittered
   * retry hint spread over the drain window, close movers still here after their grace, release all.
   * `endpointDelay: false` skips the wait for endpoints (Ctrl-C: nothing routes by readiness).
   */
  stop(options: { endpointDelay?: boolean } = {}): Promise<void> {
    this.stopping ??= this.drain(options.endpointDelay ?? true);
    return this.stopping;
  }

  private async drain(endpointDelay: boolean): Promise<void> {
    const c = this.config;
    this.ready = false;
    this.log.info({ connections: this.connections.size }, "draining");
    if (endpointDelay && c.shutdownDelayMs > 0 && this.server) await delay(c.shutdownDelayMs);
    this.acceptingUpgrades = false;
    const all = [...this.connections];
    const plan = drainPlan(c.drainMs, Date.now(), Math.random);
    const movers = all.filter((conn) => conn.canMove);
    for (const conn of movers) conn.askToMove(plan.moveDelayMs());
    const conns = all.filter((conn) => !conn.canMove);
    const { spreadMs, deadline } = plan;
    for (let i = 0; i < conns.length; i++) {
      const target = (spreadMs * i) / Math.max(1, conns.length);
      const wait = target - (c.drainMs - (deadline - Date.now()));
      if (wait > 5) await delay(wait);
      const retryAfterMs = Math.floor(Math.random() * Math.max(1, spreadMs));
      conns[i]?.close(CLOSE.goingAway.code, JSON.stringify({ retryAfterMs }), "shutdown");
    }
    // Movers open their new connection, resume, then close this one themselves; whoever is still
    // here once the grace is over is closed as a client that does not speak `move`.
    const moving = () => movers.some((conn) => this.connections.has(conn) && !conn.isClosing);
    for (let i = 0; i < 1000 && moving() && Date.now() < plan.moveGraceEnd; i++) await delay(20);
    for (const conn of movers)
      conn.close(CLOSE.goingAway.code, JSON.stringify({ retryAfterMs: 0 }), "shutdown");
    // Wait for closing handshakes until the drain deadline, then cut what is left.
    for (let i = 0; i < 1000 && this.connections.size > 0 && Date.now() < deadline; i++)
      await delay(20);
    for (const conn of [...this.connections]) conn.terminate("shutdown");
    // Sockets already forgotten but still saying goodbye (a peer that never answers a close).
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    if (this.heartbeat) clearInterval(this.heartbeat);
    // ws calls back once its last terminated socket has closed.
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    await closeServer(this.server);
    await this.control?.stop();
    await this.presence?.stop();
    await this.broker?.stop();
    // Last: probes keep answering (503) until the node is gone.
    await closeServer(this.internalServer);
    this.metrics.stop();
    this.log.info("stopped");
  }
}

/** An upgrade socket's error listener; a plain function, so it holds on to nothing. */
function destroySocket(this: Duplex): void {
  this.destroy();
}

function listen(server: Server, port: number, host: string, backlog?: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // The kernel caps the backlog at net.core.somaxconn (4096 by default).
    server.listen({ port, host, ...(backlog === undefined ? {} : { backlog }) }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function closeServer(server: Server | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server?.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
