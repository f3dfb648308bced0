// Presence on one node: members in memory, events delivered after the change, as Redis would.
import { TooManyMembersError, UnavailableError } from "../errors.js";
import type { PresenceEvent, PresenceMember, PresencePage, PresenceStore } from "./presence.js";

/** The error a full channel's join is refused with (both stores say the same). */
export function membersFull(ch: string, max: number): TooManyMembersError {
  return new TooManyMembersError(
    `"${ch}" holds its maximum of ${max} members (MAX_PRESENCE_MEMBERS): retry when some have left`,
  );
}

export class MemoryPresence implements PresenceStore {
  /** Per channel, its members in join order, each with its join number (the paging cursor). */
  private readonly channels = new Map<string, Map<string, { who: PresenceMember; n: number }>>();
  private joins = 0;
  private readonly watched = new Set<string>();
  private readonly listeners: ((e: PresenceEvent) => void)[] = [];
  private stopped = false;

  async start(): Promise<void> {}

  async join(ch: string, who: PresenceMember, max: number): Promise<void> {
    this.assertRunning();
    let members = this.channels.get(ch);
    if (members?.has(who.client)) return;
    if ((members?.size ?? 0) >= max) throw membersFull(ch, max);
    if (!members) {
      members = new Map();
      this.channels.set(ch, members);
    }
    members.set(who.client, { who, n: ++this.joins });
    this.emit({ ch, kind: "join", who });
  }

  async leave(ch: string, who: PresenceMember): Promise<void> {
    const members = this.channels.get(ch);
    const had = members?.get(who.client);
    if (!members || !had) return;
    members.delete(who.client);
    if (members.size === 0) this.channels.delete(ch);
    this.emit({ ch, kind: "leave", who: had.who });
  }

  /** The cursor is the join number of the last member returned: members join in that order. */
  async members(ch: string, limit: number, cursor?: string): Promise<PresencePage> {
    this.assertRunning();
    const all = this.channels.get(ch);
    const after = cursor === undefined ? 0 : Number.parseInt(cursor, 10) || 0;
    const members: PresenceMember[] = [];
    let last = 0;
    let more = false;
    for (const m of all?.values() ?? []) {
      if (m.n <= after) continue;
      if (members.length === limit) {
        more = true;
        break;
      }
      members.push(m.who);
      last = m.n;
    }
    const page: PresencePage = { members, count: all?.size ?? 0 };
    if (more) page.cursor = String(last);
    return page;
  }

  async count(ch: string): Promise<number> {
    this.assertRunning();
    return this.channels.get(ch)?.size ?? 0;
  }

  async watch(ch: string): Promise<void> {
    this.assertRunning();
    this.watched.add(ch);
  }

  async unwatch(ch: string): Promise<void> {
    this.watched.delete(ch);
  }

  onEvent(listener: (event: PresenceEvent) => void): void {
    this.listeners.push(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.channels.clear();
    this.watched.clear();
  }

  private emit(event: PresenceEvent): void {
    if (!this.watched.has(event.ch)) return;
    // Delivered after the change resolves, in order, as a real bus would.
    queueMicrotask(() => {
      if (this.stopped || !this.watched.has(event.ch)) return;
      for (const l of this.listeners) l(event);
    });
  }

  private assertRunning(): void {
    if (this.stopped)
      throw new UnavailableError("presence is stopped: the node is shutting down, retry later");
  }
}
