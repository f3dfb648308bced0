// In-process hub nodes and raw clients for the hub's unit tests: real sockets on 127.0.0.1,
// nothing outside this process. Everything started here is released by `releaseAll()`.
import { request } from "node:http";
import { SignJWT } from "jose";
import { WebSocket } from "ws";
import { waitFor } from "../../../testkit/poll.js";
import type { RunningHub } from "../../../testkit/running-hub.js";
import type { BrokerPublishResult, BrokerStatus, PublishInput } from "../../bus/index.js";
import { MemoryBroker } from "../../bus/index.js";
import { loadConfig } from "../../config.js";
import { UnavailableError } from "../../errors.js";
import { SchemaViolations } from "../../protocol/testing/frame-schema.js";
import { HubNode, type HubNodeOptions } from "../node.js";

export type Frame = { op: string; [key: string]: unknown };
export type Closed = { code: number; reason: string };

/** The HS256 secret the harness signs with when a test does not bring its own. */
export const TEST_SECRET = "unit-test-secret-0123456789abcdef";

const nodes = new Set<HubNode>();
const clients = new Set<TestClient>();
/** Every frame a hub sends to a TestClient is checked against frames.schema.json. */
const violations = new SchemaViolations();

export { waitFor };

/**
 * Starts a node on a free port of 127.0.0.1, silent, on its memory bus. `env` adds or overrides
 * settings exactly as the process environment would.
 */
export async function startHub(
  env: Record<string, string> = {},
  options: HubNodeOptions = {},
): Promise<HubNode> {
  const config = loadConfig({
    PORT: "0",
    INTERNAL_PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    NODE_ID: "unit-node",
    SHUTDOWN_DELAY_SECONDS: "0",
    DRAIN_SECONDS: "1",
    ...env,
  });
  const node = new HubNode(config, options);
  nodes.add(node);
  await node.start();
  return node;
}

/** A node of this process as the test kit's RunningHub (the in-process launcher). */
export async function startInProcessHub(env: Record<string, string> = {}): Promise<RunningHub> {
  const node = await startHub(env);
  return {
    name: node.config.nodeId,
    wsUrl: wsUrl(node),
    httpUrl: httpUrl(node, ""),
    internalUrl: internalUrl(node, ""),
    stop: () => node.stop({ endpointDelay: false }),
  };
}

/** `ws://127.0.0.1:PORT/v1/ws`, with `?token=` when given. */
export function wsUrl(node: HubNode, query: Record<string, string> = {}, path = "/v1/ws"): string {
  const q = new URLSearchParams(query).toString();
  return `ws://127.0.0.1:${node.port}${path}${q ? `?${q}` : ""}`;
}

/** A URL on the node's public port (the publish API). */
export function httpUrl(node: HubNode, path: string): string {
  return `http://127.0.0.1:${node.port}${path}`;
}

/** A URL on the node's internal port (/livez, /readyz, /metrics). */
export function internalUrl(node: HubNode, path: string): string {
  return `http://127.0.0.1:${node.internalPort}${path}`;
}

/**
 * Signs an HS256 token. `exp` is absolute (seconds since the epoch); `expSeconds` is relative to
 * now (negative for an expired token); the default lives five minutes.
 */
export async function mintToken(
  claims: { sub?: string; channels?: string[]; [key: string]: unknown },
  options: { exp?: number; expSeconds?: number; secret?: string } = {},
): Promise<string> {
  const { sub, ...rest } = claims;
  const exp = options.exp ?? Math.floor(Date.now() / 1000) + (options.expSeconds ?? 300);
  const jwt = new SignJWT(rest)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(exp);
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}

/** The memory bus with a switch: while down, it reports down and refuses every publish. */
export class SwitchableBroker extends MemoryBroker {
  private down: string | undefined;
  private readonly statusListeners: ((s: BrokerStatus) => void)[] = [];

  constructor() {
    super({ historySize: 1_000, historyTtlSeconds: 3_600, dedupeSeconds: 120 });
  }

  setDown(reason: string | undefined): void {
    this.down = reason;
    for (const l of this.statusListeners) l(this.status());
  }

  override async publish(input: PublishInput): Promise<BrokerPublishResult> {
    if (this.down) throw new UnavailableError(`the bus is unreachable (${this.down}): retry later`);
    return super.publish(input);
  }

  override onStatus(listener: (s: BrokerStatus) => void): void {
    this.statusListeners.push(listener);
  }

  override status(): BrokerStatus {
    return this.down ? { up: false, reason: this.down } : super.status();
  }
}

export type ClientOptions = {
  token?: string;
  headers?: Record<string, string>;
  /** False: the client never answers pings (a dead peer, seen from the hub). */
  autoPong?: boolean;
  /** Wait for the hub's hello before resolving (default true). */
  hello?: boolean;
};

/** One WebSocket client that records every frame and its close. */
export class TestClient {
  readonly frames: Frame[] = [];
  closed: Closed | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      violations.check("server", String(data));
      this.frames.push(JSON.parse(String(data)) as Frame);
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
    ws.on("error", () => {
      // the close event follows and carries what the test needs
    });
  }

  /** Connects and, unless told otherwise, waits for `hello`. Rejects when the upgrade fails. */
  static async connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const headers = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const ws = new WebSocket(url, { headers, autoPong: options.autoPong ?? true });
    const client = new TestClient(ws);
    clients.add(client);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("unexpected-response", (_req, res) => {
        res.resume();
        ws.terminate();
        reject(new Error(`upgrade refused with HTTP ${res.statusCode}`));
      });
      ws.once("error", reject);
    });
    if (options.hello ?? true) await client.next((f) => f.op === "hello", "hello");
    return client;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The first recorded frame matching `match`, waiting for it up to `timeoutMs`. */
  next(match: (f: Frame) => boolean, what: string, timeoutMs = 3_000): Promise<Frame> {
    return waitFor(
      `${what} (frames so far: ${this.summary()})`,
      () => this.frames.find(match),
      timeoutMs,
    );
  }

  /** Frames of one op on one channel, e.g. every `msg` of `room:1`. */
  where(op: string, ch?: string): Frame[] {
    return this.frames.filter((f) => f.op === op && (ch === undefined || f.ch === ch));
  }

  /** Sends `sub` and waits for its `subscribed`. */
  async subscribe(ch: string, extra: Record<string, unknown> = {}): Promise<Frame> {
    const before = this.where("subscribed", ch).length;
    this.send({ op: "sub", ch, ...extra });
    return waitFor(
      `subscribed to ${ch} (frames so far: ${this.summary()})`,
      () => this.where("subscribed", ch)[before],
      3_000,
    );
  }

  /** Waits for the close and returns its code and reason. */
  waitClosed(timeoutMs = 5_000): Promise<Closed> {
    return waitFor("the connection to close", () => this.closed, timeoutMs);
  }

  private summary(): string {
    const s = JSON.stringify(this.frames.slice(-5));
    return s.length > 400 ? `${s.slice(0, 400)}…` : s;
  }
}

export type UpgradeReply =
  | { upgraded: true }
  | { upgraded: false; status: number; headers: Record<string, unknown>; body: string };

/** Sends one upgrade request and reports the HTTP answer; an accepted upgrade is closed at once. */
export function tryUpgrade(
  node: HubNode,
  path: string,
  headers: Record<string, string> = {},
): Promise<UpgradeReply> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port: node.port,
      path,
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        ...headers,
      },
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve({ upgraded: true });
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () =>
        resolve({ upgraded: false, status: res.statusCode ?? 0, headers: res.headers, body }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(5_000, () => req.destroy(new Error("no answer to the upgrade within 5 s")));
    req.end();
  });
}

/** The current value of one metric series (0 when the series does not exist yet). */
export async function metricValue(
  node: HubNode,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = node.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric named ${name}`);
  const { values } = await metric.get();
  const hit = values.find((v) =>
    Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
  );
  return hit?.value ?? 0;
}

/**
 * Closes every client and stops every node this harness started (afterEach); then fails when a
 * hub sent a frame that frames.schema.json does not allow.
 */
export async function releaseAll(): Promise<void> {
  for (const c of clients) c.ws.terminate();
  clients.clear();
  // Let the nodes see their clients gone first, so stop() has nothing to spread over the drain.
  await waitFor(
    "the nodes to see their clients gone",
    () => [...nodes].every((n) => n.stats().connections === 0),
    2_000,
  ).catch(() => undefined);
  const stopping = [...nodes].map((n) => n.stop());
  nodes.clear();
  await Promise.all(stopping);
  const bad = violations.take();
  if (bad.length > 0) {
    throw new Error(`the hub sent frames outside frames.schema.json:\n${bad.join("\n")}`);
  }
}
