// Per-address bookkeeping of the upgrade path: open connections and upgrades still being
// verified, per client address and in total. Upgrades being verified count against the limits,
// so a burst cannot slip past them while its tokens are checked.
import type { GatewayState } from "./gateway.js";

export class UpgradeCounters {
  private readonly open = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  private pendingTotal = 0;

  /** Addresses with at least one open connection. */
  get addresses(): number {
    return this.open.size;
  }

  /**
   * Counts an upgrade from `ip` as pending and returns the gateway's view of the limits for it
   * (itself excluded) and a release function, safe to call more than once.
   */
  begin(
    ip: string,
    openConnections: () => number,
    acceptingUpgrades: () => boolean,
  ): { state: GatewayState; release: () => void } {
    this.pendingTotal++;
    add(this.pending, ip, 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.pendingTotal--;
      add(this.pending, ip, -1);
    };
    const state: GatewayState = {
      connectionCount: () => openConnections() + this.pendingTotal - (released ? 0 : 1),
      connectionsFrom: (from: string) =>
        (this.open.get(from) ?? 0) +
        (this.pending.get(from) ?? 0) -
        (from === ip && !released ? 1 : 0),
      acceptingUpgrades,
    };
    return { state, release };
  }

  /** A connection from `ip` was accepted. */
  opened(ip: string): void {
    add(this.open, ip, 1);
  }

  /** A connection from `ip` is gone. */
  closed(ip: string): void {
    add(this.open, ip, -1);
  }
}

function add(map: Map<string, number>, key: string, delta: number): void {
  const n = (map.get(key) ?? 0) + delta;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
