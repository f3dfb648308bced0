// The up/down state of a Redis bus and its listeners, one piece for every Redis topology: the
// brokers decide when the bus is up; this holds it, tells listeners of changes and waits for up.
import type { BrokerStatus } from "../broker.js";

export class BusStatus {
  private current: BrokerStatus = { up: false, reason: "not started" };
  private readonly listeners: ((s: BrokerStatus) => void)[] = [];

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
    if (changed) for (const l of [...this.listeners]) l(next);
    return changed;
  }

  /** Resolves true once the bus is up, or false after `timeoutMs`. */
  waitUp(timeoutMs: number): Promise<boolean> {
    if (this.current.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(false);
      }, timeoutMs);
      const listener = (s: BrokerStatus) => {
        if (!s.up) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(true);
      };
      this.listeners.push(listener);
    });
  }
}
