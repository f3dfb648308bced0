// The up/down state of a Redis bus and its listeners, one piece for every Redis topology: the
// brokers decide when the bus is up; this holds it, tells listeners of changes and waits for up.
import type { BrokerStatus } from "../broker.js";

/**
 * How long a publish, history read or subscribe waits for a bus that is down (a Sentinel
 * failover, a reconnect) before it is refused with `unavailable`: it then goes through the moment
 * the bus is back instead of waiting out the client's retry backoff.
 */
export const DOWN_HOLD_MS = 2000;

export class BusStatus {
  private current: BrokerStatus = { up: false, reason: "not started" };
  private readonly listeners: ((s: BrokerStatus) => void)[] = [];
  private readonly waiters = new Set<(up: boolean) => void>();

  /** The status now. */
  get(): BrokerStatus {
    return this.current;
  }

  /** Calls `listener` on every change between up and down. */
  on(listener: (s: BrokerStatus) => void): void {
    this.listeners.push(listener);
  }

  /** Takes `next`; true (and listeners told) when it changes up/down, false for a new reason only. */
  set(next: BrokerStatus): boolean {
    const changed = next.up !== this.current.up;
    this.current = next;
    if (!changed) return false;
    for (const l of [...this.listeners]) l(next);
    if (next.up) for (const w of [...this.waiters]) w(true);
    return true;
  }

  /** Resolves true once the bus is up, or false after `timeoutMs` or when the waits are ended. */
  waitUp(timeoutMs: number): Promise<boolean> {
    if (this.current.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (up: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(up);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(done);
    });
  }

  /**
   * Whether `ready()` holds now or, while the bus is down, once it is up again within
   * `timeoutMs`: a request that meets a failover in progress waits for its end instead of being
   * refused a moment before the bus is back.
   */
  async readyWithin(timeoutMs: number, ready: () => boolean): Promise<boolean> {
    if (ready()) return true;
    if (timeoutMs > 0 && !this.current.up) await this.waitUp(timeoutMs);
    return ready();
  }

  /** Ends every wait with false, so a stopping broker leaves no timer behind. */
  endWaits(): void {
    for (const w of [...this.waiters]) w(false);
  }

  /** Waits in progress, for tests that prove none is left behind. */
  get waiting(): number {
    return this.waiters.size;
  }
}
