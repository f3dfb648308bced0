// The SDK's `presence` requests: each waits for the reply carrying its id. A request sent on a
// connection that drops is sent again on the next one (it only reads); close() rejects the rest.
import type { ErrorFrame, PresenceMember, PresenceReplyFrame } from "../protocol/index.js";
import { HubClientError } from "./client-error.js";

/** One page of a channel's members, or its count alone (`members` empty) for presenceCount. */
export type PresenceResult = { members: PresenceMember[]; count: number; cursor?: string };

/** Requests waiting for their reply at once; past this a new one is refused (`queue_full`). */
export const MAX_PENDING_PRESENCE = 100;

type Pending = {
  frame: string;
  resolve: (r: PresenceResult) => void;
  reject: (e: HubClientError) => void;
};

export class PresenceQueries {
  readonly #pending = new Map<string, Pending>();
  #counter = 0;

  constructor(readonly idPrefix: string) {}

  /** Queues one request; `send` writes it now when connected. */
  add(
    frame: { ch: string; cursor?: string; limit?: number; countOnly?: boolean },
    send: ((text: string) => void) | undefined,
  ): Promise<PresenceResult> {
    if (this.#pending.size >= MAX_PENDING_PRESENCE) {
      const msg = `${MAX_PENDING_PRESENCE} presence requests are already waiting: await some first`;
      return Promise.reject(new HubClientError("queue_full", msg, { ch: frame.ch }));
    }
    const id = `${this.idPrefix}-p${++this.#counter}`;
    const text = JSON.stringify({ op: "presence", id, ...frame });
    const p = new Promise<PresenceResult>((resolve, reject) => {
      this.#pending.set(id, { frame: text, resolve, reject });
    });
    send?.(text);
    return p;
  }

  /** A connection opened: every waiting request goes out (again). */
  connected(send: (text: string) => void): void {
    for (const p of this.#pending.values()) send(p.frame);
  }

  /** True when `f` answered one of ours. */
  onReply(f: PresenceReplyFrame): boolean {
    const p = f.id === undefined ? undefined : this.#pending.get(f.id);
    if (!p || f.id === undefined) return false;
    this.#pending.delete(f.id);
    const result: PresenceResult = { members: f.members ?? [], count: f.count };
    if (f.cursor !== undefined) result.cursor = f.cursor;
    p.resolve(result);
    return true;
  }

  /** True when `f` refused one of ours (it rejects with the hub's code). */
  onError(f: ErrorFrame): boolean {
    const p = f.id === undefined ? undefined : this.#pending.get(f.id);
    if (!p || f.id === undefined) return false;
    this.#pending.delete(f.id);
    p.reject(new HubClientError(f.code, f.message, f.ch === undefined ? {} : { ch: f.ch }));
    return true;
  }

  closeAll(err: HubClientError): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
