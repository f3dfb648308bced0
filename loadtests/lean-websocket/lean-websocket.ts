// The lean load client: a WebSocket over raw TCP with the minimal frame codec,
// so the generator spends its core on the test, not on a client library.
import { createHash, randomBytes } from "node:crypto";
import { type Socket, connect as tcpConnect } from "node:net";
import {
  closePayload,
  encodeFrame,
  FrameDecoder,
  FrameError,
  OPCODE,
  parseClose,
} from "../lib/ws-frame.js";
import { parseUpgradeResponse, parseWsUrl, upgradeRequest, WS_GUID } from "../lib/ws-handshake.js";

/** Why a connection attempt failed; `status` is the HTTP status when the server refused it. */
export class LeanSocketError extends Error {
  override readonly name = "LeanSocketError";
  constructor(
    readonly code: "timeout" | "network" | "refused" | "protocol",
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface LeanConnectOptions {
  headers?: Record<string, string>;
  /** Bound on TCP connect + upgrade, in ms (default 10 s). */
  timeoutMs?: number;
  /** Called for each text or binary message; the bytes are only valid during the call. */
  onMessage?: (payload: Uint8Array, opcode: number) => void;
  /** Called once when the TCP connection is gone: the server's close code, or 1006. */
  onClose?: (code: number, reason: string) => void;
}

// Masks only hide payloads from proxies; a shared random pool is enough and saves a syscall per frame.
const MASK_POOL = randomBytes(4096);
let maskAt = 0;
function nextMask(): Uint8Array {
  maskAt = (maskAt + 4) & 4095;
  return MASK_POOL.subarray(maskAt, maskAt + 4);
}

const CLOSE_GRACE_MS = 1_000;
const encoder = new TextEncoder();

/** One client connection. */
export class LeanWebSocket {
  onMessage: (payload: Uint8Array, opcode: number) => void;
  onClose: (code: number, reason: string) => void;
  /** Time from the TCP connect call to the 101 response, in ms. */
  connectMs = 0;
  private closeCode = 1006;
  private closeReason = "";
  private closing = false;
  private ended = false;
  private closeTimer: NodeJS.Timeout | undefined;
  private readonly decoder: FrameDecoder;

  private constructor(
    private readonly socket: Socket,
    options: LeanConnectOptions,
  ) {
    this.onMessage = options.onMessage ?? (() => {});
    this.onClose = options.onClose ?? (() => {});
    this.decoder = new FrameDecoder({
      message: (opcode, payload) => this.onMessage(payload, opcode),
      control: (opcode, payload) => this.control(opcode, payload),
    });
  }

  /** Opens a WebSocket to a ws:// URL; rejects with LeanSocketError. */
  static connect(url: string, options: LeanConnectOptions = {}): Promise<LeanWebSocket> {
    const target = parseWsUrl(url);
    const key = randomBytes(16).toString("base64");
    const expected = createHash("sha1")
      .update(key + WS_GUID)
      .digest("base64");
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const socket = tcpConnect({ host: target.host, port: target.port });
      socket.setNoDelay(true);
      const ws = new LeanWebSocket(socket, options);
      let head: Buffer = Buffer.alloc(0);
      let settled = false;
      const fail = (error: LeanSocketError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () =>
          fail(
            new LeanSocketError(
              "timeout",
              `no WebSocket upgrade from ${url} within ${options.timeoutMs ?? 10_000} ms`,
            ),
          ),
        options.timeoutMs ?? 10_000,
      );
      const onHead = (chunk: Buffer) => {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        let parsed: ReturnType<typeof parseUpgradeResponse>;
        try {
          parsed = parseUpgradeResponse(head);
        } catch (error) {
          fail(
            new LeanSocketError("protocol", `bad upgrade response from ${url}`, undefined, {
              cause: error,
            }),
          );
          return;
        }
        if (!parsed.complete) return;
        if (parsed.status !== 101) {
          fail(
            new LeanSocketError(
              "refused",
              `${url} refused the upgrade with HTTP ${parsed.status}`,
              parsed.status,
            ),
          );
          return;
        }
        if (parsed.headers["sec-websocket-accept"] !== expected) {
          fail(
            new LeanSocketError("protocol", `${url} answered with a wrong Sec-WebSocket-Accept`),
          );
          return;
        }
        settled = true;
        clearTimeout(timer);
        ws.connectMs = performance.now() - started;
        socket.off("data", onHead);
        socket.off("error", onEarlyError);
        socket.off("close", onEarlyClose);
        const rest = head.subarray(parsed.headerBytes);
        // Frames that came with the 101 are handed over after the caller got the socket (its
        // handlers may send in reply); the socket stays paused so later chunks keep their order.
        socket.pause();
        ws.attach();
        resolve(ws);
        setImmediate(() => {
          if (rest.length > 0) ws.receive(rest);
          socket.resume();
        });
      };
      const onEarlyError = (error: Error) =>
        fail(
          new LeanSocketError("network", `cannot connect to ${url}: ${error.message}`, undefined, {
            cause: error,
          }),
        );
      const onEarlyClose = () =>
        fail(new LeanSocketError("network", `${url} closed the connection during the upgrade`));
      socket.on("data", onHead);
      socket.on("error", onEarlyError);
      socket.on("close", onEarlyClose);
      socket.once("connect", () => {
        socket.write(upgradeRequest({ ...target, key, headers: options.headers ?? {} }));
      });
    });
  }

  /** Whether the socket can still send. */
  get open(): boolean {
    return !this.closing && !this.ended;
  }

  /** Bytes queued in the kernel-side writer but not yet sent. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /** Sends one text message (strings) or binary message (bytes); false when closed. */
  send(data: string | Uint8Array): boolean {
    if (!this.open) return false;
    const text = typeof data === "string";
    const payload = text ? encoder.encode(data) : data;
    this.socket.write(encodeFrame(text ? OPCODE.text : OPCODE.binary, payload, nextMask()));
    return true;
  }

  /** Starts the closing handshake; the TCP connection is dropped if the server does not finish it. */
  close(code = 1000, reason = ""): void {
    if (this.closing || this.ended) return;
    this.closing = true;
    this.socket.write(encodeFrame(OPCODE.close, closePayload(code, reason), nextMask()));
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    this.closeTimer.unref();
  }

  /** Drops the TCP connection without a close frame (what a crashed client looks like). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves when the connection is fully gone (after close() or destroy()), within `ms`. */
  closed(ms = 5_000): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, ms);
      this.socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private attach(): void {
    this.socket.on("data", (chunk: Buffer) => this.receive(chunk));
    this.socket.on("error", () => {
      // The close event follows and reports 1006; nothing else to do here.
    });
    this.socket.on("close", () => {
      this.ended = true;
      clearTimeout(this.closeTimer);
      this.onClose(this.closeCode, this.closeReason);
    });
  }

  private receive(chunk: Uint8Array): void {
    try {
      this.decoder.push(chunk);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.closeCode = 1002;
      this.closeReason = error.message;
      this.socket.destroy();
    }
  }

  private control(opcode: number, payload: Uint8Array): void {
    if (opcode === OPCODE.ping) {
      if (this.open) this.socket.write(encodeFrame(OPCODE.pong, payload, nextMask()));
      return;
    }
    if (opcode !== OPCODE.close) return;
    const { code, reason } = parseClose(payload);
    this.closeCode = code;
    this.closeReason = reason;
    if (!this.closing) {
      this.closing = true;
      this.socket.write(encodeFrame(OPCODE.close, payload.subarray(0, 2), nextMask()));
    }
    this.socket.end();
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    this.closeTimer.unref();
  }
}
