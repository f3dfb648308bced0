// Presence seen from one node: joins and leaves of its own connections (kept in order per
// connection and channel), the `presence` op's answer, and join/leave frames written to the
// node's subscribers of channels whose namespace has joinLeave.
import type { PresenceEvent, PresenceMember, PresenceStore } from "../bus/index.js";
import { HubError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ChannelPolicy } from "../namespaces.js";
import {
  DEFAULT_PRESENCE_PAGE,
  type PresenceFrame,
  type PresenceReplyFrame,
} from "../protocol/index.js";
import type { Fanout } from "./fanout.js";
import { OutFrame } from "./prepared-frame.js";

/** How long a stopping node waits for its connections' leaves before leaving the rest itself. */
const STOP_WAIT_MS = 2_000;

export class HubPresence {
  /**
   * Per channel, the client ids of this node's joined members (the connection's own id string,
   * not a copy): only these are left (and unwatched) again. Kept per channel, not per
   * "client ch" pair, so a member costs one set entry and no string of its own.
   */
  private readonly joined = new Map<string, Set<string>>();
  /** Per channel, the last pending join/leave per client id: the next one runs after it. */
  private readonly chains = new Map<string, Map<string, Promise<void>>>();
  /** Local subscribers per joinLeave channel: the store watches while there is one. */
  private readonly watchers = new Map<string, { n: number; ready: Promise<void> }>();

  constructor(
    private readonly store: PresenceStore | undefined,
    private readonly policy: ChannelPolicy,
    private readonly fanout: Fanout,
    private readonly maxMembers: number,
    private readonly log: Logger,
  ) {
    store?.onEvent((e) => this.onEvent(e));
  }

  /**
   * Adds `who` to `ch` when its namespace tracks presence (joinLeave: after watching its
   * events). Rejects with too_many_members past MAX_PRESENCE_MEMBERS, or unavailable.
   */
  join(who: PresenceMember, ch: string): Promise<void> {
    const o = this.policy.of(ch);
    const store = this.store;
    if (!o.presence || !store) return Promise.resolve();
    return this.chain(who, ch, async () => {
      if (o.joinLeave) await this.watch(store, ch);
      try {
        await store.join(ch, who, this.maxMembers);
      } catch (err) {
        if (o.joinLeave) this.unwatch(store, ch);
        throw err;
      }
      let members = this.joined.get(ch);
      if (!members) {
        members = new Set();
        this.joined.set(ch, members);
      }
      members.add(who.client);
    });
  }

  /** Removes `who` from `ch` (after its join, if that is still running). Never rejects. */
  leave(who: PresenceMember, ch: string): void {
    const o = this.policy.of(ch);
    const store = this.store;
    if (!o.presence || !store) return;
    void this.chain(who, ch, async () => {
      const members = this.joined.get(ch);
      if (!members?.delete(who.client)) return;
      if (members.size === 0) this.joined.delete(ch);
      try {
        await store.leave(ch, who);
      } finally {
        if (o.joinLeave) this.unwatch(store, ch);
      }
    }).catch((err: unknown) => {
      this.log.warn({ ch, err: String(err) }, "presence leave failed; it is retried");
    });
  }

  /** The answer to a `presence` frame, or presence_disabled when `ch` tracks none. */
  async query(f: PresenceFrame): Promise<PresenceReplyFrame> {
    if (!this.policy.of(f.ch).presence || !this.store) {
      throw new HubError(
        "presence_disabled",
        `"${f.ch}" is in no namespace with presence: list its namespace in NAMESPACES with "presence": true`,
      );
    }
    const reply: PresenceReplyFrame = { op: "presence", ch: f.ch, count: 0 };
    if (f.id !== undefined) reply.id = f.id;
    if (f.countOnly) {
      reply.count = await this.store.count(f.ch);
      return reply;
    }
    const page = await this.store.members(f.ch, f.limit ?? DEFAULT_PRESENCE_PAGE, f.cursor);
    reply.members = page.members;
    reply.count = page.count;
    if (page.cursor !== undefined) reply.cursor = page.cursor;
    return reply;
  }

  /** Waits (bounded) for pending joins and leaves, then stops the store. */
  async stop(): Promise<void> {
    const pending = Promise.allSettled([...this.chains.values()].flatMap((m) => [...m.values()]));
    await Promise.race([pending, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    await this.store?.stop();
  }

  private onEvent(e: PresenceEvent): void {
    if (!this.policy.of(e.ch).joinLeave) return;
    const frame = { op: e.kind, ch: e.ch, who: e.who };
    this.fanout.sendEvent(e.ch, new OutFrame(Buffer.from(JSON.stringify(frame))));
  }

  private chain(who: PresenceMember, ch: string, op: () => Promise<void>): Promise<void> {
    let pending = this.chains.get(ch);
    const prior = pending?.get(who.client);
    const run = prior ? prior.then(op) : op();
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    if (!pending) {
      pending = new Map();
      this.chains.set(ch, pending);
    }
    pending.set(who.client, settled);
    void settled.then(() => {
      const now = this.chains.get(ch);
      if (now?.get(who.client) !== settled) return;
      now.delete(who.client);
      if (now.size === 0) this.chains.delete(ch);
    });
    return run;
  }

  private async watch(store: PresenceStore, ch: string): Promise<void> {
    const w = this.watchers.get(ch);
    if (w) {
      w.n++;
      // A later subscriber waits for the same subscription, not just for its count.
      await w.ready.catch((err: unknown) => {
        this.unwatch(store, ch);
        throw err;
      });
      return;
    }
    const ready = store.watch(ch);
    this.watchers.set(ch, { n: 1, ready });
    try {
      await ready;
    } catch (err) {
      this.unwatch(store, ch);
      throw err;
    }
  }

  private unwatch(store: PresenceStore, ch: string): void {
    const w = this.watchers.get(ch);
    if (w && --w.n > 0) return;
    this.watchers.delete(ch);
    store.unwatch(ch).catch(() => undefined);
  }
}
