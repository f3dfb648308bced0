// The control channel between the bench and a server under test (a forked child with IPC):
// "ready" when it listens, and memory read after a forced gc (--expose-gc) on request.

export type ControlRequest = { type: "memory" };
export type ControlReply =
  | { type: "ready"; port: number }
  | { type: "memory"; rss: number; heapUsed: number }
  | { type: "failed"; message: string };

/** Answers memory requests from the parent; gc runs twice so finalizers' garbage goes too. */
export function serveControl(): void {
  process.on("message", (msg: ControlRequest) => {
    if (msg?.type !== "memory") return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const usage = process.memoryUsage();
    process.send?.({
      type: "memory",
      rss: usage.rss,
      heapUsed: usage.heapUsed,
    } satisfies ControlReply);
  });
  // The bench owns this process: when its IPC channel goes, so does the server.
  process.on("disconnect", () => process.exit(0));
}

/** Tells the parent the server listens on `port`. */
export function announceReady(port: number): void {
  process.send?.({ type: "ready", port } satisfies ControlReply);
}

/** The port to listen on, from PORT. */
export function portFromEnv(): number {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error("PORT must be set to a TCP port");
  return port;
}
