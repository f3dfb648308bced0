// Every setting of a hub node, read from the environment and validated once at start.
// Secrets may come as NAME or as NAME_FILE (a mounted file, re-read when it changes).
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import proxyaddr from "proxy-addr";
import { z } from "zod";
import { HUB_INTERNAL_PORT, HUB_PORT, HUB_SECRETS, unknownHubEnv } from "../contract/index.js";
import { parseApiKeys } from "./api-keys.js";
import { ConfigError } from "./errors.js";
import { type ChannelOptions, ChannelPolicy, parseNamespaces } from "./namespaces.js";

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max);

const schema = z.object({
  // Exactly one of these: a typo such as "prod" must not run an open development hub.
  NODE_ENV: z.enum(["production", "development", "test"]).default("development"),
  PORT: int(0, 65535).default(HUB_PORT),
  INTERNAL_PORT: int(0, 65535).default(HUB_INTERNAL_PORT),
  HOST: z.string().min(1).default("0.0.0.0"),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_SENTINELS: z.string().optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  REDIS_MIN_REPLICAS: int(0, 16).default(0),
  REDIS_CLUSTER_NODES: z.string().optional(),
  AUTH_DISABLED: z.enum(["true", "false"]).default("false"),
  ALLOWED_ORIGINS: z.string().optional(),
  TRUSTED_PROXIES: z.string().optional(),
  MAX_CONNECTIONS: int(1).default(10_000),
  MAX_CONNECTIONS_PER_IP: int(1).default(1_000),
  MAX_PAYLOAD_BYTES: int(64, 16 * 1024 * 1024).default(65_536),
  MAX_SUBSCRIPTIONS: int(1, 100_000).default(100),
  MAX_PUBLISH_RATE: int(1).default(50),
  MAX_SUBSCRIBE_RATE: int(1).default(20),
  MAX_REFRESH_RATE: int(1).default(5),
  SLOW_CONSUMER_BYTES: int(1024).default(4 * 1024 * 1024),
  MAX_CONNECTION_BYTES: int(16 * 1024).default(5 * 1024 * 1024),
  MAX_CHANNELS: int(1).default(100_000),
  MAX_HTTP_SOCKETS: int(1).default(512),
  HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(600).default(10),
  HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
  CONTROL_TIMEOUT_SECONDS: z.coerce.number().min(0.05).max(60).default(2),
  NODE_TTL_SECONDS: z.coerce.number().min(0.3).max(3600).default(15),
  HEARTBEAT_SECONDS: z.coerce.number().min(0.05).max(3600).default(30),
  HISTORY_SIZE: int(1, 1_000_000).default(1_000),
  HISTORY_TTL_SECONDS: int(1).default(3_600),
  DEDUPE_SECONDS: int(1).default(120),
  DRAIN_SECONDS: z.coerce.number().min(0).max(3600).default(20),
  SHUTDOWN_DELAY_SECONDS: z.coerce.number().min(0).max(3600).default(5),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, "use letters, digits and : _ . - (at most 64)")
    .optional(),
  APP_VERSION: z.string().min(1).default("dev"),
  NAMESPACES: z.string().optional(),
  NAMESPACES_FILE: z.string().optional(),
  MAX_PRESENCE_MEMBERS: int(1, 1_000_000).default(10_000),
  PRESENCE_HEARTBEAT_SECONDS: z.coerce.number().min(0.05).max(3600).default(10),
  MAX_PRESENCE_RATE: int(1).default(5),
});

/** proxy-addr's trust function: is the hop at `addr`, `i` hops from the hub, a trusted proxy? */
export type TrustProxy = (addr: string, i: number) => boolean;

const TRUST_HELP =
  "set a hop count (1: one ingress controller in front) or a comma list of IP addresses, CIDR ranges and the names loopback, linklocal, uniquelocal";

/** TRUSTED_PROXIES: a hop count, or addresses and ranges; "" or "0" trusts nobody. */
export function parseTrustedProxies(value: string | undefined): TrustProxy | undefined {
  const text = value?.trim() ?? "";
  if (text === "" || text === "0") return undefined;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 10)
      throw new ConfigError(`TRUSTED_PROXIES: ${hops} hops is implausible; ${TRUST_HELP}`);
    return (_addr, i) => i < hops;
  }
  const list = text
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  try {
    return proxyaddr.compile(list);
  } catch {
    // proxy-addr's message quotes the value: settings' values never reach an error message.
    throw new ConfigError(
      `TRUSTED_PROXIES: an entry is not an address, a range or a known name; ${TRUST_HELP}`,
    );
  }
}

const SECRET_REFRESH_MS = 1000;
const SECRETS = HUB_SECRETS;
export type SecretName = (typeof SECRETS)[number];

/** A secret's source: read() returns its current value (a file is re-read when it changes). */
export type Secret = { source: "env" | "file"; path?: string; read(): string };

export type Config = {
  production: boolean;
  port: number;
  /** The port of /livez, /readyz and /metrics (probes and Prometheus only). */
  internalPort: number;
  host: string;
  redis:
    | { mode: "memory" }
    | { mode: "url"; url: string }
    | { mode: "sentinel"; sentinels: { host: string; port: number }[]; name: string }
    | { mode: "cluster"; nodes: { host: string; port: number }[] };
  redisMinReplicas: number;
  authDisabled: boolean;
  allowedOrigins: string[] | undefined;
  /**
   * Which direct peers are proxies whose X-Forwarded-For names the client (TRUSTED_PROXIES);
   * undefined: none, the socket's address is the client's.
   */
  trustProxy: TrustProxy | undefined;
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxPayloadBytes: number;
  maxSubscriptions: number;
  maxPublishRate: number;
  /** sub and unsub frames per connection per second. */
  maxSubscribeRate: number;
  maxRefreshRate: number;
  slowConsumerBytes: number;
  /** Every byte the hub holds for one connection: send buffer, unanswered frames, state. */
  maxConnectionBytes: number;
  /** Channels the memory bus holds, or new channels a node creates in Redis per history TTL. */
  maxChannels: number;
  /** Sockets not (yet) WebSockets: HTTP requests, keep-alive and upgrades being read. */
  maxHttpSockets: number;
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  /** How long a cross-node API call waits for every node's answer (CONTROL_TIMEOUT_SECONDS). */
  controlTimeoutMs: number;
  /** How long a node stays in the node registry without a heartbeat (NODE_TTL_SECONDS). */
  nodeTtlMs: number;
  heartbeatMs: number;
  historySize: number;
  historyTtlSeconds: number;
  dedupeSeconds: number;
  drainMs: number;
  shutdownDelayMs: number;
  logLevel: string;
  nodeId: string;
  version: string;
  secrets: Partial<Record<SecretName, Secret>>;
  /** Environment names that look like a setting but are none (typos): logged at start. */
  unknownSettings: string[];
  /** Per-channel options from NAMESPACES (global settings for channels in no namespace). */
  channels: ChannelPolicy;
  /** Members one presence channel holds at most; a `sub` beyond is refused (too_many_members). */
  maxPresenceMembers: number;
  /** How often a node proves it is alive to the presence store; its members go within 2×. */
  presenceHeartbeatMs: number;
  /** `presence` frames per connection per second. */
  maxPresenceRate: number;
};

/** The plain settings the schema validates (tests hold them equal to the contract's list). */
export const SETTING_NAMES: readonly string[] = Object.keys(schema.shape);

function secretFrom(env: NodeJS.ProcessEnv, name: SecretName): Secret | undefined {
  const file = env[`${name}_FILE`];
  const value = env[name];
  if (file !== undefined && file !== "" && value !== undefined && value !== "") {
    throw new ConfigError(`${name} and ${name}_FILE are both set: keep one of them`);
  }
  if (file !== undefined && file !== "") {
    const load = () => readFileSync(file, "utf8").trim();
    let first: string;
    try {
      first = load();
    } catch (err) {
      throw new ConfigError(
        `${name}_FILE cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}): mount the secret file or unset ${name}_FILE`,
      );
    }
    if (first === "")
      throw new ConfigError(`${name}_FILE names an empty file: put the secret in it`);
    // Re-read at most once a second: a rotated file takes effect without a restart or a timer.
    let cached = first;
    let readAt = Date.now();
    const read = () => {
      if (Date.now() - readAt >= SECRET_REFRESH_MS) {
        readAt = Date.now();
        try {
          const next = load();
          if (next !== "") cached = next;
        } catch {
          // a file mid-rotation (briefly missing) keeps the last good value
        }
      }
      return cached;
    };
    return { source: "file", path: file, read };
  }
  if (value !== undefined && value !== "") return { source: "env", read: () => value };
  return undefined;
}

function parseSentinels(text: string): { host: string; port: number }[] {
  return parseHostPorts(text, "REDIS_SENTINELS", "redis-0:26379,redis-1:26379");
}

/** A comma list of host:port, each checked; the error names the setting and an example. */
function parseHostPorts(
  text: string,
  setting: string,
  example: string,
): { host: string; port: number }[] {
  return text.split(",").map((part, i) => {
    const m = /^\s*([^\s:]+):(\d{1,5})\s*$/.exec(part);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) {
      throw new ConfigError(
        `${setting}: entry ${i + 1} is not host:port: use e.g. ${setting}=${example}`,
      );
    }
    return { host: m[1] as string, port };
  });
}

/** Shortest HS256 secret production accepts, in bytes: a shorter one is brute-forced from one token. */
export const MIN_JWT_SECRET_BYTES = 32;
/** Shortest API key production accepts, in characters. */
export const MIN_API_KEY_LENGTH = 24;

/** What is wrong with the secrets, naming each setting and never its value. */
function secretProblems(secrets: Config["secrets"], production: boolean): string[] {
  const problems: string[] = [];
  const key = secrets.AUTH_JWT_PUBLIC_KEY;
  if (key) {
    try {
      createPublicKey(key.read());
    } catch {
      problems.push(
        "AUTH_JWT_PUBLIC_KEY is not a PEM public key (RSA or EC): set the key's -----BEGIN PUBLIC KEY----- block",
      );
    }
  }
  if (!production) return problems;
  const hs = secrets.AUTH_JWT_SECRET;
  if (hs && Buffer.byteLength(hs.read()) < MIN_JWT_SECRET_BYTES) {
    problems.push(
      `AUTH_JWT_SECRET is shorter than ${MIN_JWT_SECRET_BYTES} bytes: production needs a random secret of at least ${MIN_JWT_SECRET_BYTES} bytes (e.g. openssl rand -base64 48)`,
    );
  }
  const api = secrets.API_KEY;
  if (api && api.read().length < MIN_API_KEY_LENGTH) {
    problems.push(
      `API_KEY is shorter than ${MIN_API_KEY_LENGTH} characters: production needs a random key of at least ${MIN_API_KEY_LENGTH} (e.g. openssl rand -hex 24)`,
    );
  }
  return problems;
}

/** Parses API_KEYS once at start, so a bad entry stops the node with its name (never a key). */
function apiKeysProblem(secrets: Config["secrets"], production: boolean): string | undefined {
  const list = secrets.API_KEYS;
  if (!list) return undefined;
  try {
    parseApiKeys(list.read(), { production, minLength: MIN_API_KEY_LENGTH });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** REDIS_CLUSTER_NODES: the Redis Cluster topology, alone (no REDIS_URL, no Sentinels). */
function clusterTopology(e: z.infer<typeof schema>): Config["redis"] {
  const others = [
    e.REDIS_URL ? "REDIS_URL" : undefined,
    e.REDIS_SENTINELS ? "REDIS_SENTINELS" : undefined,
    e.REDIS_SENTINEL_NAME ? "REDIS_SENTINEL_NAME" : undefined,
  ].filter((n) => n !== undefined);
  if (others.length > 0) {
    throw new ConfigError(
      `REDIS_CLUSTER_NODES and ${others.join(" and ")} are both set: choose one Redis topology (a cluster, Sentinel, or one REDIS_URL)`,
    );
  }
  const text = e.REDIS_CLUSTER_NODES?.trim() ?? "";
  if (text === "") {
    throw new ConfigError(
      "REDIS_CLUSTER_NODES is empty: list one or more cluster nodes, e.g. REDIS_CLUSTER_NODES=redis-0:6379,redis-1:6379",
    );
  }
  return {
    mode: "cluster",
    nodes: parseHostPorts(text, "REDIS_CLUSTER_NODES", "redis-0:6379,redis-1:6379"),
  };
}

/** Reads and validates the settings; throws ConfigError naming every bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      // The setting and the rule, never the value: it may hold a password (a REDIS_URL).
      const key = String(i.path[0] ?? "?");
      return `${key}: ${i.message}`;
    });
    throw new ConfigError(`invalid settings:\n  ${lines.join("\n  ")}`);
  }
  const e = parsed.data;
  const secrets: Config["secrets"] = {};
  for (const name of SECRETS) {
    const s = secretFrom(env, name);
    if (s) secrets[name] = s;
  }
  if (secrets.AUTH_JWT_SECRET && secrets.AUTH_JWT_PUBLIC_KEY) {
    throw new ConfigError(
      "AUTH_JWT_SECRET and AUTH_JWT_PUBLIC_KEY are both set: use the secret for HS256 or the PEM key for RS256/ES256, not both",
    );
  }
  const production = e.NODE_ENV === "production";
  const authDisabled = e.AUTH_DISABLED === "true";
  if (production && !authDisabled) {
    const missing: string[] = [];
    if (!secrets.AUTH_JWT_SECRET && !secrets.AUTH_JWT_PUBLIC_KEY) {
      missing.push("AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY (or their _FILE forms)");
    }
    if (!secrets.API_KEY && !secrets.API_KEYS)
      missing.push("API_KEY or API_KEYS (or their _FILE forms)");
    if (missing.length > 0) {
      throw new ConfigError(
        `NODE_ENV=production refuses to start without authentication: set ${missing.join(" and ")}, or set AUTH_DISABLED=true explicitly to run an open hub`,
      );
    }
  }
  if (e.PORT !== 0 && e.PORT === e.INTERNAL_PORT) {
    throw new ConfigError(
      `INTERNAL_PORT and PORT are both ${e.PORT}: the probes and metrics need their own port (default 9091)`,
    );
  }
  const weak = secretProblems(secrets, production);
  if (weak.length > 0) throw new ConfigError(`invalid secrets:\n  ${weak.join("\n  ")}`);
  const badKeys = apiKeysProblem(secrets, production);
  if (badKeys !== undefined) throw new ConfigError(badKeys);
  if (e.HTTP_HEADERS_TIMEOUT_SECONDS > e.HTTP_REQUEST_TIMEOUT_SECONDS) {
    throw new ConfigError(
      "HTTP_HEADERS_TIMEOUT_SECONDS must not exceed HTTP_REQUEST_TIMEOUT_SECONDS: the request timeout covers the headers too",
    );
  }
  if (e.SLOW_CONSUMER_BYTES >= e.MAX_CONNECTION_BYTES) {
    throw new ConfigError(
      "SLOW_CONSUMER_BYTES must be below MAX_CONNECTION_BYTES: the send buffer is one part of what a connection holds",
    );
  }
  let redis: Config["redis"] = { mode: "memory" };
  if (e.REDIS_URL && e.REDIS_SENTINELS) {
    throw new ConfigError("REDIS_URL and REDIS_SENTINELS are both set: use one of them");
  }
  if (e.REDIS_URL) redis = { mode: "url", url: e.REDIS_URL };
  if (e.REDIS_SENTINELS) {
    if (!e.REDIS_SENTINEL_NAME) {
      throw new ConfigError(
        "REDIS_SENTINELS needs REDIS_SENTINEL_NAME: the name of the monitored primary (e.g. mymaster)",
      );
    }
    redis = {
      mode: "sentinel",
      sentinels: parseSentinels(e.REDIS_SENTINELS),
      name: e.REDIS_SENTINEL_NAME,
    };
  }
  if (e.REDIS_CLUSTER_NODES !== undefined) redis = clusterTopology(e);
  if (redis.mode === "memory" && e.REDIS_MIN_REPLICAS > 0) {
    throw new ConfigError(
      "REDIS_MIN_REPLICAS needs REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES: there is no replica to wait for in memory",
    );
  }
  const channels = channelPolicy(e);
  const origins = e.ALLOWED_ORIGINS?.split(",")
    .map((o) => o.trim())
    .filter((o) => o !== "");
  return {
    production,
    port: e.PORT,
    internalPort: e.INTERNAL_PORT,
    host: e.HOST,
    redis,
    redisMinReplicas: e.REDIS_MIN_REPLICAS,
    authDisabled,
    allowedOrigins: origins && origins.length > 0 ? origins : undefined,
    trustProxy: parseTrustedProxies(e.TRUSTED_PROXIES),
    maxConnections: e.MAX_CONNECTIONS,
    maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP,
    maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
    maxSubscriptions: e.MAX_SUBSCRIPTIONS,
    maxPublishRate: e.MAX_PUBLISH_RATE,
    maxSubscribeRate: e.MAX_SUBSCRIBE_RATE,
    maxRefreshRate: e.MAX_REFRESH_RATE,
    slowConsumerBytes: e.SLOW_CONSUMER_BYTES,
    maxConnectionBytes: e.MAX_CONNECTION_BYTES,
    maxChannels: e.MAX_CHANNELS,
    maxHttpSockets: e.MAX_HTTP_SOCKETS,
    httpHeadersTimeoutMs: Math.round(e.HTTP_HEADERS_TIMEOUT_SECONDS * 1000),
    httpRequestTimeoutMs: Math.round(e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000),
    controlTimeoutMs: Math.round(e.CONTROL_TIMEOUT_SECONDS * 1000),
    nodeTtlMs: Math.round(e.NODE_TTL_SECONDS * 1000),
    heartbeatMs: Math.round(e.HEARTBEAT_SECONDS * 1000),
    historySize: e.HISTORY_SIZE,
    historyTtlSeconds: e.HISTORY_TTL_SECONDS,
    dedupeSeconds: e.DEDUPE_SECONDS,
    drainMs: Math.round(e.DRAIN_SECONDS * 1000),
    shutdownDelayMs: Math.round(e.SHUTDOWN_DELAY_SECONDS * 1000),
    logLevel: e.LOG_LEVEL,
    nodeId:
      e.NODE_ID ?? `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9:_.-]/g, "-").slice(0, 64),
    version: e.APP_VERSION,
    secrets,
    unknownSettings: unknownHubEnv(env),
    channels,
    maxPresenceMembers: e.MAX_PRESENCE_MEMBERS,
    presenceHeartbeatMs: Math.round(e.PRESENCE_HEARTBEAT_SECONDS * 1000),
    maxPresenceRate: e.MAX_PRESENCE_RATE,
  };
}

/** NAMESPACES or NAMESPACES_FILE (one of them) over the global history settings. */
function channelPolicy(e: z.infer<typeof schema>): ChannelPolicy {
  const global: ChannelOptions = {
    history: { size: e.HISTORY_SIZE, ttlSeconds: e.HISTORY_TTL_SECONDS },
    presence: false,
    joinLeave: false,
    clientPublish: true,
    recover: true,
  };
  const inline = e.NAMESPACES?.trim() ?? "";
  const file = e.NAMESPACES_FILE ?? "";
  if (inline !== "" && file !== "")
    throw new ConfigError("NAMESPACES and NAMESPACES_FILE are both set: keep one of them");
  if (file !== "") {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new ConfigError(
        `NAMESPACES_FILE cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}): mount the file or unset NAMESPACES_FILE`,
      );
    }
    return new ChannelPolicy(global, parseNamespaces(text, "NAMESPACES_FILE", global));
  }
  if (inline === "") return new ChannelPolicy(global);
  return new ChannelPolicy(global, parseNamespaces(inline, "NAMESPACES", global));
}
