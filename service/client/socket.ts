// The little of the WebSocket API the client uses: the browser's global WebSocket and the `ws`
// package both provide it, so this file imports neither.

/** One WebSocket, as the browser API and `ws` both expose it. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: ends the socket at once, without a closing handshake. */
  terminate?(): void;
}

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, the `ws` package's in Node. */
export type WebSocketCtor = new (url: string) => unknown;

/** Opens one socket to `url` with `token`; `alive` is called on liveness signals frames do not show (pings). */
export type SocketFactory = (
  url: string,
  token: string | undefined,
  alive: () => void,
) => WebSocketLike;

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSED = 3;

/** Adds the token as `?token=` (browsers cannot set an Authorization header on a WebSocket). */
export function urlWithToken(url: string, token: string | undefined): string {
  if (token === undefined) return url;
  const u = new URL(url);
  u.searchParams.set("token", token);
  return u.toString();
}

/** The browser-safe factory: `new Ctor(url?token=...)`. */
export function queryTokenFactory(Ctor: WebSocketCtor): SocketFactory {
  return (url, token) => new Ctor(urlWithToken(url, token)) as WebSocketLike;
}

const noop = (): void => {};
const HTTP_STATUS = /Unexpected server response: (\d{3})/;

/** The HTTP status of a refused upgrade from an `error` event (`ws` says it; browsers do not). */
export function upgradeStatus(event: unknown): number | undefined {
  const m = HTTP_STATUS.exec(String((event as { message?: unknown } | null)?.message ?? ""));
  return m ? Number(m[1]) : undefined;
}

/** Stops every handler of `sock` from reaching its owner. */
export function detach(sock: WebSocketLike): void {
  sock.onopen = noop;
  sock.onmessage = noop;
  sock.onclose = noop;
  // Keep an error listener: `ws` throws on an 'error' event nobody listens to.
  sock.onerror = noop;
}

/** Ends a socket at once (no closing handshake where the implementation allows it). */
export function kill(sock: WebSocketLike): void {
  try {
    if (sock.terminate) sock.terminate();
    else sock.close();
  } catch {
    // already closed
  }
}

/** Closes with 1000 and resolves on the close event, or after `waitMs` when the peer is silent. */
export function closeSocket(sock: WebSocketLike, waitMs: number): Promise<void> {
  detach(sock);
  if (sock.readyState === CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      sock.onclose = noop;
      resolve();
    };
    const timer = setTimeout(() => {
      kill(sock);
      done();
    }, waitMs);
    sock.onclose = done;
    try {
      if (sock.readyState === CONNECTING) kill(sock);
      else sock.close(1000, "client closed");
    } catch {
      done();
    }
  });
}
