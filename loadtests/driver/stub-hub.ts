// A minimal in-process hub speaking docs/protocol.md (hello, sub with resume, pub/ok, msg) for the
// driver's unit tests, with faults to inject: skipped deliveries, no replay on resume. It parses
// what the driver sends with the hub's own parser and sends only typed server frames.
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import {
  CLOSE,
  type MsgFrame,
  PROTOCOL_PATH,
  parseClientFrame,
  type ServerFrame,
} from "../../service/protocol/index.js";

export interface StubHubOptions {
  /** Deliveries of these seqs are skipped (a broken hub) to prove the driver sees loss. */
  skipSeqs?: ReadonlySet<number>;
  /** Ignore `since` (a hub that lost its history) to prove the driver sees the hole. */
  noReplay?: boolean;
}

/** Bound on the stub's per-channel history. */
const HISTORY = 10_000;

export class StubHub {
  private readonly server: WebSocketServer;
  private readonly channels = new Map<
    string,
    { seq: number; subs: Set<WebSocket>; history: string[] }
  >();
  private conn = 0;

  private constructor(
    server: WebSocketServer,
    private readonly options: StubHubOptions,
  ) {
    this.server = server;
    server.on("connection", (ws) => this.accept(ws));
  }

  /** Starts on a free port of 127.0.0.1. */
  static async start(options: StubHubOptions = {}): Promise<StubHub> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: PROTOCOL_PATH });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
    return new StubHub(server, options);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}${PROTOCOL_PATH}`;
  }

  /** Stops and terminates every client. */
  async stop(): Promise<void> {
    for (const ws of this.server.clients) ws.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private channel(ch: string) {
    let c = this.channels.get(ch);
    if (!c) {
      c = { seq: 0, subs: new Set(), history: [] };
      this.channels.set(ch, c);
    }
    return c;
  }

  private accept(ws: WebSocket): void {
    send(ws, { op: "hello", node: "stub", conn: `c${++this.conn}` });
    ws.on("close", () => {
      for (const c of this.channels.values()) c.subs.delete(ws);
    });
    ws.on("message", (raw) => {
      const parsed = parseClientFrame(String(raw));
      // The driver sent something the hub would refuse: a driver bug, so fail loudly.
      if (!parsed.ok) return ws.close(CLOSE.policy.code, parsed.message.slice(0, 100));
      const f = parsed.frame;
      if (f.op === "sub") {
        const c = this.channel(f.ch);
        send(ws, { op: "subscribed", ch: f.ch, seq: c.seq, epoch: "e1", recovered: true });
        if (f.since !== undefined && !this.options.noReplay) {
          const from = Math.max(0, f.since - (c.seq - c.history.length));
          for (const text of c.history.slice(from)) ws.send(text);
        }
        c.subs.add(ws);
        return;
      }
      if (f.op === "pub") {
        const c = this.channel(f.ch);
        const seq = ++c.seq;
        const msg: MsgFrame = {
          op: "msg",
          ch: f.ch,
          seq,
          data: f.data,
          ...(f.id ? { id: f.id } : {}),
        };
        const text = JSON.stringify(msg);
        c.history.push(text);
        if (c.history.length > HISTORY) c.history.shift();
        if (f.id !== undefined) send(ws, { op: "ok", id: f.id, ch: f.ch, seq });
        if (this.options.skipSeqs?.has(seq)) return;
        for (const sub of c.subs) sub.send(text);
      }
    });
  }
}

function send(ws: WebSocket, frame: ServerFrame): void {
  ws.send(JSON.stringify(frame));
}
