// A move (make-before-break): a draining node asks the client to move; after the node's hint a
// spare connection opens beside the current one, resumes every channel with since+epoch while
// the old one still delivers, and is handed to the client once every channel is back.
import type { MoveFrame, ServerFrame } from "../protocol/index.js";
import { retryAfterDelay } from "./backoff.js";
import type { ClientChannels } from "./client-channels.js";
import type { ResolvedOptions } from "./client-options.js";
import { detach, kill, type WebSocketLike } from "./socket.js";
import { Spare } from "./spare.js";

type Timer = ReturnType<typeof setTimeout>;

/** What a move needs of its client. */
export type MoveHost = {
  /** The client's connection is open (said hello). */
  open(): boolean;
  /** The next node's URL (the client's rotation moves on). */
  nextUrl(): string;
  token(): Promise<string | undefined>;
  /** Opens a socket to `url` whose frames and close come back to the client. */
  connect(url: string, token: string | undefined): WebSocketLike;
  /** The spare resumed every channel: the client makes it its connection (take() it). */
  caughtUp(): void;
};

export class Mover {
  #spare: Spare | undefined;
  #moveTimer: Timer | undefined;
  #spareTimer: Timer | undefined;

  constructor(
    private readonly o: ResolvedOptions,
    private readonly channels: ClientChannels,
    private readonly host: MoveHost,
  ) {}

  /** The spare connection of a move in progress. */
  get spare(): Spare | undefined {
    return this.#spare;
  }

  /** A draining node asks us to move: after its hint, open the new connection beside this one. */
  onMove(f: MoveFrame): void {
    if (!this.o.move || !this.host.open() || this.#spare || this.#moveTimer) return;
    const hint = typeof f.retryAfterMs === "number" && f.retryAfterMs >= 0 ? f.retryAfterMs : 0;
    this.#moveTimer = setTimeout(
      () => {
        this.#moveTimer = undefined;
        void this.#openSpare();
      },
      retryAfterDelay(hint, this.o.random),
    );
  }

  async #openSpare(): Promise<void> {
    if (!this.host.open() || this.#spare) return;
    const url = this.host.nextUrl();
    let sock: WebSocketLike;
    try {
      const token = await this.host.token();
      if (!this.host.open() || this.#spare) return;
      sock = this.host.connect(url, token);
    } catch {
      // No spare: the old connection's 1001 leads to the usual reconnect.
      return;
    }
    this.#spare = new Spare(sock, url);
    this.#spareTimer = setTimeout(() => this.drop(sock), this.o.connectTimeoutMs);
  }

  /** A frame of the spare's socket. */
  onFrame(spare: Spare, f: ServerFrame): void {
    if (f.op === "hello") {
      clearTimeout(this.#spareTimer);
      spare.hello = { node: f.node, conn: f.conn, url: spare.url };
      spare.pingMs = f.pingMs;
      for (const frame of this.channels.subs.moveFrames()) {
        spare.pending.set(frame.id as string, frame.ch);
        spare.send(frame);
      }
    } else if (f.op === "ping") spare.send({ op: "pong" });
    else if (f.op === "subscribed") {
      if (f.id === undefined || !spare.pending.delete(f.id)) return;
      spare.ready.add(f.ch);
      this.channels.onSubscribed(spare.sock, f);
    } else if (f.op === "msg") {
      if (spare.ready.has(f.ch)) this.channels.onMessage(spare.sock, f);
    } else if (f.op === "error" && f.id !== undefined && spare.pending.has(f.id)) {
      // A channel the spare cannot resume: stay, and leave when the node closes us.
      this.drop(spare.sock);
      return;
    }
    if (this.#spare === spare && spare.caughtUp) this.host.caughtUp();
  }

  /** Hands the spare over to the client, with its hello timer (still armed until hello). */
  take(): { spare: Spare; timer: Timer | undefined } | undefined {
    const spare = this.#spare;
    if (!spare) return undefined;
    const timer = this.#spareTimer;
    this.#spare = undefined;
    this.#spareTimer = undefined;
    return { spare, timer };
  }

  /** Gives up the spare on `sock`, if it is the spare. */
  drop(sock: WebSocketLike): void {
    if (this.#spare?.sock !== sock) return;
    clearTimeout(this.#spareTimer);
    this.#spare = undefined;
    detach(sock);
    kill(sock);
  }

  /** The client closed or reconnects from scratch: no move in progress, none pending. */
  stop(): void {
    clearTimeout(this.#moveTimer);
    this.#moveTimer = undefined;
    if (this.#spare) this.drop(this.#spare.sock);
  }
}
