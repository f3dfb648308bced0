// A small scripted hub for the client's unit tests: speaks the wire protocol (docs/protocol.md) on 127.0.0.1 with `ws`,
// keeps per-channel seq/epoch/history and publish dedupe, and lets a test take over any frame.
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { waitFor } from "../../../testkit/poll.js";
import { SchemaViolations } from "../../protocol/testing/frame-schema.js";

export type Frame = { op: string; [key: string]: unknown };
type Stored = { seq: number; data: unknown; id?: string };
type Channel = { seq: number; epoch: string; history: Stored[]; subs: Set<FakeConn> };

export class FakeConn {
  readonly frames: Frame[] = [];
  readonly at = Date.now();
  constructor(
    readonly ws: WebSocket,
    readonly req: IncomingMessage,
    readonly id: string,
  ) {}
  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }
  get open(): boolean {
    return this.ws.readyState === 1;
  }
}

export { waitFor };

export class FakeHub {
  readonly connections: FakeConn[] = [];
  readonly channels = new Map<string, Channel>();
  readonly acked = new Map<string, { ch: string; seq: number }>();
  /** Return true to take a frame over; the default handling is then skipped. */
  intercept: (conn: FakeConn, frame: Frame) => boolean = () => false;
  /** When false, new connections get no hello. */
  sendHello = true;
  /** When set, upgrades are refused with this HTTP status (like the hub's auth check). */
  refuseStatus: number | undefined;
  /** When set, hello announces this ping interval to a client that asked with ?ping=1. */
  pingMs: number | undefined;
  /** Upgrade requests seen, refused ones included. */
  readonly upgrades: IncomingMessage[] = [];
  /** Every frame a client sends is checked against frames.schema.json; stop() fails on any. */
  readonly violations = new SchemaViolations();
  readonly #wss: WebSocketServer;

  private constructor(wss: WebSocketServer) {
    this.#wss = wss;
    wss.on("connection", (ws, req) => {
      const conn = new FakeConn(ws, req, `c${this.connections.length + 1}`);
      this.connections.push(conn);
      ws.on("message", (raw) => {
        this.violations.check("client", String(raw));
        const frame = JSON.parse(String(raw)) as Frame;
        conn.frames.push(frame);
        if (!this.intercept(conn, frame)) this.#handle(conn, frame);
      });
      ws.on("close", () => {
        for (const c of this.channels.values()) c.subs.delete(conn);
      });
      const ping = new URL(req.url ?? "/", "http://x").searchParams.get("ping") === "1";
      const hello = { op: "hello", node: "fake", conn: conn.id, version: "1.1", features: [] };
      const withPing = ping && this.pingMs !== undefined;
      if (this.sendHello) conn.send(withPing ? { ...hello, pingMs: this.pingMs } : hello);
    });
  }

  static async start(): Promise<FakeHub> {
    let hub: FakeHub | undefined;
    const wss = new WebSocketServer({
      host: "127.0.0.1",
      port: 0,
      path: "/v1/ws",
      verifyClient: (info, done) => {
        hub?.upgrades.push(info.req);
        if (hub?.refuseStatus === undefined) done(true);
        else done(false, hub.refuseStatus);
      },
    });
    await new Promise<void>((resolve, reject) => {
      wss.once("listening", resolve);
      wss.once("error", reject);
    });
    hub = new FakeHub(wss);
    return hub;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}/v1/ws`;
  }

  get last(): FakeConn {
    const c = this.connections.at(-1);
    if (!c) throw new Error("no connection yet");
    return c;
  }

  /** Every frame with `op` that clients sent, over all connections. */
  received(op: string): Frame[] {
    return this.connections.flatMap((c) => c.frames.filter((f) => f.op === op));
  }

  channel(ch: string): Channel {
    let c = this.channels.get(ch);
    if (!c) {
      c = { seq: 0, epoch: "e1", history: [], subs: new Set() };
      this.channels.set(ch, c);
    }
    return c;
  }

  /** A publish on the hub's side: stored, then sent to every subscriber. */
  publish(ch: string, data: unknown, id?: string): number {
    const c = this.channel(ch);
    const stored: Stored = { seq: ++c.seq, data, ...(id === undefined ? {} : { id }) };
    c.history.push(stored);
    for (const s of c.subs) if (s.open) s.send({ op: "msg", ch, ...stored });
    return stored.seq;
  }

  /** Stores a client's pub once per id (the dedupe window never ends here); returns its seq. */
  accept(f: Frame): number {
    const id = typeof f.id === "string" ? f.id : undefined;
    const seen = id === undefined ? undefined : this.acked.get(id);
    if (seen) return seen.seq;
    const seq = this.publish(String(f.ch), f.data, id);
    if (id !== undefined) this.acked.set(id, { ch: String(f.ch), seq });
    return seq;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    const bad = this.violations.take();
    if (bad.length > 0)
      throw new Error(`the client sent frames outside the schema:\n${bad.join("\n")}`);
  }

  #handle(conn: FakeConn, f: Frame): void {
    const ch = String(f.ch);
    if (f.op === "sub") {
      const c = this.channel(ch);
      const since = typeof f.since === "number" ? f.since : undefined;
      const recovered =
        since !== undefined &&
        f.epoch === c.epoch &&
        (since === c.seq || c.history.some((m) => m.seq === since + 1));
      // As the hub does: `recovered` only on a resume, the sub's id echoed.
      conn.send({
        op: "subscribed",
        ch,
        seq: c.seq,
        epoch: c.epoch,
        ...(since === undefined ? {} : { recovered }),
        ...(typeof f.id === "string" ? { id: f.id } : {}),
      });
      if (since !== undefined && recovered) {
        for (const m of c.history) if (m.seq > since) conn.send({ op: "msg", ch, ...m });
      }
      c.subs.add(conn);
    } else if (f.op === "unsub") {
      this.channel(ch).subs.delete(conn);
      if (typeof f.id === "string") conn.send({ op: "unsubscribed", ch, id: f.id });
    } else if (f.op === "pub") {
      const seq = this.accept(f);
      if (typeof f.id === "string") conn.send({ op: "ok", id: f.id, ch, seq });
    }
  }
}
