// k6/websockets over the ws package: the browser-style WebSocket k6 documents (readyState,
// on<event> handlers and addEventListener, send that throws when not open, close(code, reason)),
// with k6's built-in ws_connecting (ms to open) and ws_sessions (sessions opened).
import WebSocket from "ws";
import type { Sink } from "./metrics.js";

/** What a WebSocket needs from the VU that owns it. */
export interface SocketOwner {
  /** Holds the VU's iteration open until the socket closed. */
  hold(): () => void;
  /** Runs a handler as k6 does: an exception ends the iteration (and is logged). */
  run(fn: () => void): void;
  /** Sockets to terminate when the VU is interrupted. */
  sockets: Set<{ terminate(): void }>;
  connecting: Sink;
  sessions: Sink;
}

type Listener = (event: Record<string, unknown>) => void;

/** Builds the k6/websockets module for one VU. */
export function websocketsModule(owner: SocketOwner): Record<string, unknown> {
  class K6WebSocket {
    readyState = 0;
    binaryType = "blob";
    onopen: Listener | null = null;
    onmessage: Listener | null = null;
    onerror: Listener | null = null;
    onclose: Listener | null = null;
    onping: Listener | null = null;
    onpong: Listener | null = null;
    private readonly listeners = new Map<string, Listener[]>();
    private readonly ws: WebSocket;

    constructor(
      readonly url: string,
      protocols?: string | string[] | null,
      params?: { headers?: Record<string, string> },
    ) {
      const release = owner.hold();
      const started = performance.now();
      this.ws = new WebSocket(url, protocols ?? undefined, {
        headers: params?.headers ?? {},
        handshakeTimeout: 60_000,
        perMessageDeflate: false,
      });
      const handle = { terminate: () => this.ws.terminate() };
      owner.sockets.add(handle);
      this.ws.on("open", () => {
        this.readyState = 1;
        owner.connecting.add(performance.now() - started);
        owner.sessions.add(1);
        this.dispatch("open", {});
      });
      this.ws.on("message", (data: Buffer, isBinary: boolean) => {
        const payload = isBinary
          ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)
          : data.toString();
        this.dispatch("message", { data: payload });
      });
      this.ws.on("ping", () => this.dispatch("ping", {}));
      this.ws.on("pong", () => this.dispatch("pong", {}));
      this.ws.on("error", (err: Error) => this.dispatch("error", { error: err.message }));
      this.ws.on("close", (code: number, reason: Buffer) => {
        this.readyState = 3;
        owner.sockets.delete(handle);
        this.dispatch("close", { code, reason: reason.toString() });
        release();
      });
    }

    addEventListener(type: string, listener: Listener): void {
      const list = this.listeners.get(type) ?? [];
      list.push(listener);
      this.listeners.set(type, list);
    }

    send(data: string | ArrayBuffer): void {
      if (this.readyState !== 1) throw new Error("InvalidStateError: the WebSocket is not open");
      this.ws.send(typeof data === "string" ? data : Buffer.from(data));
    }

    ping(): void {
      if (this.readyState === 1) this.ws.ping();
    }

    close(code?: number, reason?: string): void {
      if (this.readyState >= 2) return;
      this.readyState = 2;
      if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
      else this.ws.close(code ?? 1000, reason);
    }

    private dispatch(type: string, fields: Record<string, unknown>): void {
      const event = { type, ...fields };
      const handler = this[`on${type}` as "onopen"];
      if (handler) owner.run(() => handler.call(this, event));
      for (const l of this.listeners.get(type) ?? []) owner.run(() => l.call(this, event));
    }
  }
  return { WebSocket: K6WebSocket };
}
