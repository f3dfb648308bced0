// The upgrade path: every check happens on the plain HTTP request, before a socket is accepted.
// A refused upgrade is an HTTP status on a closed socket, never an open WebSocket.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import proxyaddr from "proxy-addr";
import type { TrustProxy } from "../config.js";
import type { Metrics } from "../metrics.js";
import { PROTOCOL_PATH } from "../protocol/index.js";
import { type Authenticator, bearerToken, type Claims } from "./auth.js";

export type GatewayLimits = {
  allowedOrigins: string[] | undefined;
  maxConnections: number;
  maxConnectionsPerIp: number;
};

export type GatewayState = {
  /** Open connections plus upgrades being checked. */
  connectionCount(): number;
  connectionsFrom(ip: string): number;
  acceptingUpgrades(): boolean;
};

export type Admission =
  | { ok: true; claims: Claims | undefined; ip: string }
  | { ok: false; status: number; message: string; retryAfterSeconds?: number };

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  503: "Service Unavailable",
};

/**
 * The client's address: the socket's, or behind trusted proxies (TRUSTED_PROXIES) the nearest
 * X-Forwarded-For entry that no trusted proxy added. Entries further out are the client's own
 * words and are never believed.
 */
export function clientAddress(req: IncomingMessage, trust: TrustProxy | undefined): string {
  const direct = req.socket.remoteAddress ?? "unknown";
  if (trust === undefined || direct === "unknown") return direct;
  return proxyaddr(req, trust);
}

/** The token from `Authorization: Bearer` or, for browsers, `?token=`. */
export function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    return bearerToken(header) ?? "";
  }
  return url.searchParams.get("token") ?? undefined;
}

export async function admit(
  req: IncomingMessage,
  ip: string,
  limits: GatewayLimits,
  state: GatewayState,
  auth: Authenticator,
  metrics: Metrics,
): Promise<Admission> {
  const url = new URL(req.url ?? "/", "http://hub.invalid");
  if (url.pathname !== PROTOCOL_PATH) {
    return { ok: false, status: 404, message: `WebSockets are served at ${PROTOCOL_PATH}` };
  }
  if (!state.acceptingUpgrades()) {
    return {
      ok: false,
      status: 503,
      message: "this node is shutting down: connect to another node",
      retryAfterSeconds: 1,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && limits.allowedOrigins && !limits.allowedOrigins.includes(origin)) {
    metrics.authFailures.inc({ reason: "origin" });
    return {
      ok: false,
      status: 403,
      message: `origin ${origin.slice(0, 100)} is not in ALLOWED_ORIGINS`,
    };
  }
  if (state.connectionCount() >= limits.maxConnections) {
    return {
      ok: false,
      status: 503,
      message: "this node is at its connection limit: retry later or on another node",
      retryAfterSeconds: 1 + Math.floor(Math.random() * 5),
    };
  }
  if (state.connectionsFrom(ip) >= limits.maxConnectionsPerIp) {
    return {
      ok: false,
      status: 503,
      message: "too many connections from your address: close some or retry later",
      retryAfterSeconds: 5,
    };
  }
  if (!auth.enabled) return { ok: true, claims: undefined, ip };
  const r = await auth.verify(tokenOf(req, url));
  if (!r.ok) {
    metrics.authFailures.inc({ reason: r.reason });
    return { ok: false, status: 401, message: r.message };
  }
  return { ok: true, claims: r.claims, ip };
}

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
export function refuse(socket: Duplex, a: Extract<Admission, { ok: false }>): void {
  const body = JSON.stringify({ error: a.message });
  const lines = [
    `HTTP/1.1 ${a.status} ${REASONS[a.status] ?? "Error"}`,
    "Connection: close",
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  if (a.retryAfterSeconds !== undefined) lines.push(`Retry-After: ${a.retryAfterSeconds}`);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once("finish", () => socket.destroy());
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}
