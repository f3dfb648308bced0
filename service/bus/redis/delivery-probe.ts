// Whether RedisBroker's bus works: both connections ready AND a probe published on the command
// connection comes back on the subscriber. A half-open TCP connection through a partition stays
// "ready" in ioredis forever; the probe notices it and has the silent connection reconnect.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { BrokerStatus } from "../broker.js";
import { errorText } from "./connections.js";
import { LoopStall } from "./loop-stall.js";
import { ProbeDeadline } from "./probe-deadline.js";

export type ProbeRole = "cmd" | "sub";
type Logger = { warn(obj: object, msg?: string): void };

export class BusProbe {
  /** Tells this instance's probes from another process that shares the node id. */
  private readonly instance = randomBytes(4).toString("hex");
  private timer: NodeJS.Timeout | undefined;
  private counter = 0;
  private backAt = 0;
  private subReadyAt = 0;
  private readonly lastKickAt: Record<ProbeRole, number> = { cmd: 0, sub: 0 };
  private readonly errors: Record<ProbeRole, string | undefined> = {
    cmd: undefined,
    sub: undefined,
  };
  /** This process's own event-loop stalls, taken out of the time a probe has waited. */
  private readonly stall: LoopStall;
  private readonly deadline: ProbeDeadline;

  constructor(
    private readonly clients: Record<ProbeRole, Redis>,
    private readonly channel: string,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly report: (status: BrokerStatus) => void,
  ) {
    this.stall = new LoopStall(intervalMs);
    this.deadline = new ProbeDeadline(this.stall, 2 * intervalMs);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    // Judged in the check phase, after the poll phase has read what arrived: after a busy spell
    // the timers run first, and a probe answer still unread in the socket is not a silent bus.
    this.timer ??= setInterval(() => {
      this.stall.tick();
      setImmediate(() => {
        // A poll phase has run since the last tick: a suspicion may now be confirmed.
        this.deadline.arm();
        this.probe();
      });
    }, this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Records a connection error; true when it differs from the last one (worth a log line). */
  connectionError(role: ProbeRole, error: unknown): boolean {
    const message = errorText(error);
    if (this.errors[role] === message) return false;
    this.errors[role] = message;
    return true;
  }

  connectionReady(role: ProbeRole): void {
    this.errors[role] = undefined;
    if (role === "sub") {
      this.subReadyAt = Date.now();
      this.deadline.restart(this.counter, this.subReadyAt);
      // Subscribing again is harmless; it makes sure the probe channel is there.
      this.clients.sub.subscribe(this.channel).then(
        () => this.probe(),
        () => this.evaluate(),
      );
    }
    // Confirm the bus at once instead of at the next tick.
    this.probe();
  }

  /** True when the message was one of this instance's probes (and is consumed). */
  received(channel: string, payload: string): boolean {
    if (channel !== this.channel) return false;
    if (payload.startsWith(`${this.instance}:`)) {
      this.backAt = Date.now();
      this.deadline.back(Number(payload.slice(this.instance.length + 1)));
      this.errors.cmd = undefined;
      this.evaluate();
    }
    return true;
  }

  private probe(): void {
    if (!this.running) return;
    const { cmd } = this.clients;
    if (usable(cmd)) {
      const readBefore = bytesRead(cmd);
      const sentAt = Date.now();
      const stalledBefore = this.stall.total(sentAt);
      this.deadline.sent(++this.counter, sentAt);
      cmd.publish(this.channel, `${this.instance}:${this.counter}`).catch((err: unknown) => {
        // ioredis' command timeout is a timer too: look again once the socket has been read.
        setImmediate(() => {
          if (!this.running) return;
          // Redis answered something since the probe went out, or this process's loop was held
          // while it waited: the timeout was this process being late (CPU pressure), not a
          // silent socket. Dropping it would fail every publish in flight and bring the bus
          // down for nothing; the next probe tells.
          if (usable(cmd) && bytesRead(cmd) > readBefore) return;
          if (usable(cmd) && this.stall.total() > stalledBefore) return;
          this.errors.cmd = `probe publish failed: ${errorText(err)}`;
          // A timeout on a "ready" connection is a silent half-open socket: drop it.
          if (usable(cmd)) this.kick("cmd");
          this.evaluate();
        });
      });
    }
    this.evaluate();
  }

  /**
   * Drops a silent connection so that ioredis reconnects it. The socket is destroyed rather than
   * ended: a graceful end waits for the silent peer (up to ioredis' disconnectTimeout), and the
   * late close would knock over the replacement's readiness after the bus looked up again.
   */
  private kick(role: ProbeRole): void {
    const now = Date.now();
    if (now - this.lastKickAt[role] < 2 * this.intervalMs) return;
    this.lastKickAt[role] = now;
    this.log.warn({ role }, "reconnecting a silent Redis connection");
    const client = this.clients[role];
    const stream = client.stream as Redis["stream"] | undefined;
    if (stream && !stream.destroyed) stream.destroy();
    else client.disconnect(true);
  }

  /** Works out up/down from both connections and the probe, and reports it. */
  evaluate(): void {
    if (!this.running) return;
    const { cmd, sub } = this.clients;
    const limit = 2 * this.intervalMs;
    const now = Date.now();
    let reason: string | undefined;
    if (!usable(cmd)) {
      reason = `command connection ${state(cmd)}${this.errors.cmd ? `: ${this.errors.cmd}` : ""}`;
    } else if (!usable(sub)) {
      reason = `subscriber connection ${state(sub)}${this.errors.sub ? `: ${this.errors.sub}` : ""}`;
    } else if (this.errors.cmd) {
      reason = this.errors.cmd;
    } else {
      const verdict = this.deadline.judge(bytesRead(sub), now);
      if (verdict === "missed") {
        reason = `bus probe not received back within ${limit} ms`;
        this.kick("sub");
      } else if (this.backAt < this.subReadyAt) {
        // No probe came back since the subscriber (re)connected.
        reason = "waiting for the bus probe to come back";
      }
      if (verdict === "recheck") {
        // Overdue as seen now; judged again once this turn's reads are done, so a reply that
        // waited in the socket while the loop was held counts.
        setImmediate(() => {
          this.deadline.arm();
          this.evaluate();
        });
      }
    }
    this.report(reason === undefined ? { up: true } : { up: false, reason });
  }
}

/** Bytes the client's current socket has read; a silent half-open socket reads none. */
export function bytesRead(client: Redis): number {
  const stream = client.stream as { bytesRead?: number } | undefined;
  return stream?.bytesRead ?? 0;
}

/** "ready" in ioredis and a socket that can still be written (not one being dropped). */
export function usable(client: Redis): boolean {
  const stream = client.stream as Redis["stream"] | undefined;
  return client.status === "ready" && stream !== undefined && stream.writable && !stream.destroyed;
}

function state(client: Redis): string {
  return client.status === "ready" ? "closing" : client.status;
}
