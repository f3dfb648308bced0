// The client's options: frozen defaults, then the caller's values, then validation that names
// the option and its unit.
import { type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.js";
import { HubClientError } from "./client-error.js";
import { queryTokenFactory, type SocketFactory, type WebSocketCtor } from "./socket.js";

export type HubClientOptions = {
  /** One or more hub URLs (ws:// or wss://); each reconnect moves to the next. */
  urls: string | string[];
  /** The JWT, or a function returning it; sent as `?token=` (node.ts sends a header instead). */
  token?: string | (() => string | Promise<string>);
  /** The WebSocket constructor; defaults to `globalThis.WebSocket`. */
  WebSocket?: WebSocketCtor;
  /** Replaces `WebSocket`: how one socket is opened (node.ts uses it for headers and pings). */
  createSocket?: SocketFactory;
  /** Reconnect and publish-retry backoff: exponential with full jitter. */
  backoff?: Partial<BackoffOptions>;
  /** Per publish attempt: how long to wait for `ok` before sending again (ms, default 10 000). */
  publishTimeoutMs?: number;
  /** Per publish: how long to keep retrying before rejecting (ms, default 60 000). */
  publishDeadlineMs?: number;
  /** Publishes awaiting `ok`, queued ones included (default 1 000); beyond it publish rejects. */
  maxPendingPublishes?: number;
  /** Largest pub frame sent (bytes, default 65 536 = the hub's MAX_PAYLOAD_BYTES default). */
  maxPayloadBytes?: number;
  /** How long a new socket may take to deliver `hello` (ms, default 10 000). */
  connectTimeoutMs?: number;
  /**
   * When set: no frame and no ping for this long means the connection is dead (ms). The client
   * then asks the hub for `ping` frames (`?ping=1`), which browsers can see; a hub that pings
   * less often than this bound gets two of its ping intervals instead.
   */
  heartbeatTimeoutMs?: number;
  /**
   * `per-channel` (default): one channel's publishes are sent one at a time, so they are stored in
   * the order publish() was called, retries included. `none`: all in flight at once (faster; a
   * retried publish may be stored after later ones).
   */
  publishOrder?: "per-channel" | "none";
  /**
   * Whether the client tells the hub it understands `move` (protocol 1.2; default true): a draining
   * node then asks it to move, and it opens its new connection before closing the old one.
   */
  move?: boolean;
  /** Called before the token's `exp` and after a 1008 / HTTP 401; the result replaces the token. */
  refreshToken?: () => Promise<string>;
  /**
   * Channel tokens (protocol 1.2) for every subscribe() without its own `token`: called with the
   * channel before each `sub` of it (reconnects, and when its last token expired).
   */
  getChannelToken?: (ch: string) => string | Promise<string>;
  /** Source of jitter, in [0, 1); for tests. */
  random?: () => number;
};

const DEFAULTS = Object.freeze({
  publishTimeoutMs: 10_000,
  publishDeadlineMs: 60_000,
  maxPendingPublishes: 1_000,
  maxPayloadBytes: 65_536,
  connectTimeoutMs: 10_000,
});

export type ResolvedOptions = {
  urls: string[];
  token: HubClientOptions["token"];
  createSocket: SocketFactory;
  backoff: BackoffOptions;
  heartbeatTimeoutMs: number | undefined;
  refreshToken: (() => Promise<string>) | undefined;
  getChannelToken: ((ch: string) => string | Promise<string>) | undefined;
  publishOrder: "per-channel" | "none";
  move: boolean;
  random: () => number;
} & { [K in keyof typeof DEFAULTS]: number };

function invalid(message: string): HubClientError {
  return new HubClientError("invalid_option", message);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw invalid(`${name} must be a positive number, got ${v}`);
  return v;
}

/** Validates the caller's options once; throws HubClientError("invalid_option") naming the option. */
export function resolveOptions(o: HubClientOptions): ResolvedOptions {
  const urls = typeof o.urls === "string" ? [o.urls] : [...(o.urls ?? [])];
  if (urls.length === 0) throw invalid("urls must name at least one ws:// or wss:// URL");
  for (const u of urls) {
    if (!/^wss?:\/\/[^/]/.test(u)) throw invalid(`urls: "${u}" is not a ws:// or wss:// URL`);
  }
  const Ctor = o.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
  if (!o.createSocket && !Ctor) {
    throw invalid(
      "no WebSocket implementation: pass the `WebSocket` option, or use createNodeClient() from service/client/node.js",
    );
  }
  const num = (name: keyof typeof DEFAULTS): number => positive(name, o[name], DEFAULTS[name]);
  return {
    urls,
    token: o.token,
    createSocket: o.createSocket ?? queryTokenFactory(Ctor as WebSocketCtor),
    backoff: {
      initialMs: positive("backoff.initialMs", o.backoff?.initialMs, DEFAULT_BACKOFF.initialMs),
      maxMs: positive("backoff.maxMs", o.backoff?.maxMs, DEFAULT_BACKOFF.maxMs),
    },
    heartbeatTimeoutMs:
      o.heartbeatTimeoutMs === undefined
        ? undefined
        : positive("heartbeatTimeoutMs", o.heartbeatTimeoutMs, 0),
    refreshToken: o.refreshToken,
    getChannelToken: callback("getChannelToken", o.getChannelToken),
    publishOrder: publishOrder(o.publishOrder),
    move: booleanOption("move", o.move, true),
    random: o.random ?? Math.random,
    publishTimeoutMs: num("publishTimeoutMs"),
    publishDeadlineMs: num("publishDeadlineMs"),
    maxPendingPublishes: num("maxPendingPublishes"),
    maxPayloadBytes: num("maxPayloadBytes"),
    connectTimeoutMs: num("connectTimeoutMs"),
  };
}

function callback<F>(name: string, f: F | undefined): F | undefined {
  if (f !== undefined && typeof f !== "function") throw invalid(`${name} must be a function`);
  return f;
}

function publishOrder(v: HubClientOptions["publishOrder"]): "per-channel" | "none" {
  if (v === undefined || v === "per-channel" || v === "none") return v ?? "per-channel";
  throw invalid(`publishOrder must be "per-channel" or "none", got ${JSON.stringify(v)}`);
}

function booleanOption(name: string, v: boolean | undefined, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v === "boolean") return v;
  throw invalid(`${name} must be true or false, got ${JSON.stringify(v)}`);
}
