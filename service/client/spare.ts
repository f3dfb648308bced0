// The second connection of a move (make-before-break): opened while the old one still delivers,
// resumed with since+epoch, and made the client's connection only once every channel is back.
import type { OpenEvent } from "./client-events.js";
import type { WebSocketLike } from "./socket.js";

export class Spare {
  /** The spare's `hello`, once it came. */
  hello: OpenEvent | undefined;
  pingMs: number | undefined;
  /** The `sub` frames sent on the spare that await their `subscribed`: id -> channel. */
  readonly pending = new Map<string, string>();
  /** Channels the spare confirmed: its messages for them count, others are not yet its own. */
  readonly ready = new Set<string>();

  constructor(
    readonly sock: WebSocketLike,
    readonly url: string,
  ) {}

  /** Every resubscribe answered: the spare can take over. */
  get caughtUp(): boolean {
    return this.hello !== undefined && this.pending.size === 0;
  }

  /** Whether the spare confirmed `ch` or has its `sub` in flight. */
  covers(ch: string): boolean {
    return this.ready.has(ch) || [...this.pending.values()].includes(ch);
  }

  send(frame: object): void {
    try {
      this.sock.send(JSON.stringify(frame));
    } catch {
      // closing: its close event drops the spare
    }
  }
}
