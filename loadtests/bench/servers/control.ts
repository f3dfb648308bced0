// The control channel between the bench and a server under test (a forked child with IPC):
// "ready" when it listens, memory read after a forced gc (--expose-gc) on request, and the
// process's own view of a phase (CPU time, event-loop utilization and delay) between two marks.
import { type EventLoopUtilization, monitorEventLoopDelay, performance } from "node:perf_hooks";

export type ControlRequest = { type: "memory" } | { type: "probe-start" } | { type: "probe-stop" };

/** What the server process spent during a phase, from its own counters. */
export type ProcessProbe = {
  /** CPU time, user + system, microseconds. */
  cpuMicros: number;
  /** Share of the phase the event loop was busy, 0..1. */
  loopUtilization: number;
  /** Event-loop delay over the phase, milliseconds. */
  loopDelayP99Ms: number;
  loopDelayMeanMs: number;
};

export type ControlReply =
  | { type: "ready"; port: number }
  | { type: "memory"; rss: number; heapUsed: number }
  | { type: "probe-started" }
  | ({ type: "probe" } & ProcessProbe)
  | { type: "failed"; message: string };

/** The phase being probed: its starting counters and the delay histogram. */
let probe:
  | {
      cpu: NodeJS.CpuUsage;
      elu: EventLoopUtilization;
      delay: ReturnType<typeof monitorEventLoopDelay>;
    }
  | undefined;

function startProbe(): void {
  probe?.delay.disable();
  // 1 ms resolution: the delays worth seeing here are a few ms to a few hundred.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  probe = { cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), delay };
  process.send?.({ type: "probe-started" } satisfies ControlReply);
}

function stopProbe(): void {
  if (!probe) {
    process.send?.({ type: "failed", message: "probe-stop without probe-start" });
    return;
  }
  const { cpu, elu, delay } = probe;
  probe = undefined;
  delay.disable();
  const used = process.cpuUsage(cpu);
  process.send?.({
    type: "probe",
    cpuMicros: used.user + used.system,
    loopUtilization: performance.eventLoopUtilization(elu).utilization,
    loopDelayP99Ms: delay.count > 0 ? delay.percentile(99) / 1e6 : 0,
    loopDelayMeanMs: delay.count > 0 ? delay.mean / 1e6 : 0,
  } satisfies ControlReply);
}

/** Answers memory and probe requests from the parent; gc runs twice so finalizers' garbage goes too. */
export function serveControl(): void {
  process.on("message", (msg: ControlRequest) => {
    if (msg?.type === "probe-start") return startProbe();
    if (msg?.type === "probe-stop") return stopProbe();
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
