// The sockets of the plain HTTP side: every TCP connection is counted from accept until it
// closes or becomes a WebSocket, and refused at once past MAX_HTTP_SOCKETS, so slow or unfinished
// requests cannot take every file descriptor. Accept failures (EMFILE) are logged and counted.
import type { Server, Socket } from "node:net";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";

/** At most one log line per this many ms about accept failures: the counter has the rest. */
const ACCEPT_ERROR_LOG_MS = 1_000;

/** Bounds the sockets that are not (yet) WebSockets. */
export class HttpSockets {
  private readonly open = new Set<Socket>();

  constructor(
    private readonly max: number,
    private readonly metrics: Metrics,
  ) {}

  /** Sockets being read as HTTP (slow headers, bodies, keep-alive) right now. */
  get count(): number {
    return this.open.size;
  }

  /** Counts every accepted socket on `server`; refuses those past the bound. */
  attach(server: Server): void {
    server.on("connection", (socket: Socket) => {
      if (this.open.size >= this.max) {
        this.metrics.httpSocketsRefused.inc();
        socket.destroy();
        return;
      }
      this.open.add(socket);
      socket.once("close", () => this.open.delete(socket));
    });
  }

  /** The socket is a WebSocket now: MAX_CONNECTIONS bounds it from here on. */
  upgraded(socket: Socket): void {
    this.open.delete(socket);
  }
}

/**
 * Logs and counts a listening server's errors after start: an accept that fails for lack of file
 * descriptors (EMFILE, ENFILE) would otherwise drop clients without a trace.
 */
export function watchServerErrors(server: Server, metrics: Metrics, log: Logger): void {
  let loggedAt = Number.NEGATIVE_INFINITY;
  server.on("error", (err: NodeJS.ErrnoException) => {
    const outOfFds = err.code === "EMFILE" || err.code === "ENFILE";
    if (outOfFds) metrics.acceptErrors.inc({ code: err.code ?? "unknown" });
    const now = Date.now();
    if (now - loggedAt < ACCEPT_ERROR_LOG_MS) return;
    loggedAt = now;
    log.error(
      { code: err.code, syscall: err.syscall },
      outOfFds
        ? "out of file descriptors: new connections are dropped; lower MAX_CONNECTIONS + MAX_HTTP_SOCKETS below the file limit (ulimit -n)"
        : "server error",
    );
  });
}
