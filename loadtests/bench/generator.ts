// The bench's load generator: lean sockets in one process (one clock), speaking each target's
// dialect, counting deliveries by the broadcast index `i` and timing them by the stamp `t`.

import { ramp } from "../driver/pace.js";
import { LeanWebSocket } from "../lean-websocket/index.js";
import { CONNECT_PACKET, encodeEvent, PONG_PACKET } from "../lib/engine-io.js";
import { jsonKey, scanNumber } from "../lib/json-scan.js";
import type { Dialect } from "./targets.js";

const I = jsonKey("i");
const T = jsonKey("t");
const CHANNEL = "bench";
const PAD = "x".repeat(40);
const decoder = new TextDecoder();

/** Bound on one connection's handshake (upgrade + hello/connect + subscribe). */
const READY_MS = 15_000;
const IN_FLIGHT = 256;

/** Called for each delivered broadcast: its index and send stamp (performance.now()). */
export type DeliveryHandler = (i: number, t: number) => void;

/** The wire text of broadcast `i` stamped `t`, in the target's dialect. */
export function publishText(dialect: Dialect, i: number, t: number): string {
  const data = `{"i":${i},"t":${t},"p":"${PAD}"}`;
  if (dialect === "socket.io") return `42["pub","${CHANNEL}",${data}]`;
  return `{"op":"pub","ch":"${CHANNEL}","data":${data}}`;
}

/** Opens one connection; resolves when it is subscribed (or, with subscribe=false, connected). */
async function openClient(
  url: string,
  dialect: Dialect,
  subscribe: boolean,
  onDelivery: () => DeliveryHandler,
  channel = CHANNEL,
): Promise<LeanWebSocket | undefined> {
  let ready: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => {
    ready = resolve;
  });
  let ws: LeanWebSocket;
  const control = (text: string) => {
    if (dialect === "socket.io") {
      if (text[0] === "0") ws.send(CONNECT_PACKET);
      else if (text.startsWith("40")) {
        if (subscribe) ws.send(encodeEvent("sub", channel));
        else ready();
      } else if (text.startsWith('42["subscribed"')) ready();
      else if (text === "2") ws.send(PONG_PACKET);
      return;
    }
    if (text.includes('"op":"hello"')) {
      if (subscribe) ws.send(`{"op":"sub","ch":"${channel}"}`);
      else ready();
    } else if (text.includes('"op":"subscribed"')) ready();
  };
  try {
    ws = await LeanWebSocket.connect(url, {
      timeoutMs: READY_MS,
      onMessage: (payload) => {
        const i = scanNumber(payload, I);
        if (i === undefined) {
          control(decoder.decode(payload));
          return;
        }
        onDelivery()(i, scanNumber(payload, T) ?? Number.NaN);
      },
    });
  } catch {
    return undefined;
  }
  const timeout = new Promise<boolean>((resolve) =>
    setTimeout(() => resolve(false), READY_MS).unref(),
  );
  const ok = await Promise.race([readyPromise.then(() => true), timeout]);
  if (!ok) {
    ws.destroy();
    return undefined;
  }
  return ws;
}

/** Connections per second the crowd asks for when it grows (its ramp is also bounded in flight). */
export const GROW_PER_SECOND = 2_000;

/** Subscribers of the bench channel spread over the nodes, plus one publisher. */
export class Crowd {
  readonly subscribers: LeanWebSocket[] = [];
  failed = 0;
  onDelivery: DeliveryHandler = () => {};
  private publisher: LeanWebSocket | undefined;

  constructor(
    private readonly dialect: Dialect,
    private readonly urls: string[],
    /** The channel subscribers join (the presence bench uses a namespaced one). */
    private readonly channel = CHANNEL,
  ) {}

  /** Adds `count` subscribers round-robin over the nodes; failed connections are counted. */
  async grow(count: number, perSecond = GROW_PER_SECOND): Promise<void> {
    const offset = this.subscribers.length + this.failed;
    await ramp(count, perSecond, IN_FLIGHT, async (k) => {
      const url = this.urls[(offset + k) % this.urls.length] as string;
      const ws = await openClient(url, this.dialect, true, () => this.onDelivery, this.channel);
      if (ws) this.subscribers.push(ws);
      else this.failed++;
    });
  }

  /** Opens `count` idle (unsubscribed) connections to the first node; for the memory phase. */
  async idle(count: number): Promise<void> {
    await ramp(count, 2_000, IN_FLIGHT, async () => {
      const ws = await openClient(
        this.urls[0] as string,
        this.dialect,
        false,
        () => this.onDelivery,
      );
      if (ws) this.subscribers.push(ws);
      else this.failed++;
    });
  }

  /** Connects the publisher to the first node. */
  async connectPublisher(): Promise<void> {
    const ws = await openClient(this.urls[0] as string, this.dialect, false, () => this.onDelivery);
    if (!ws) throw new Error(`the publisher could not connect to ${this.urls[0]}`);
    this.publisher = ws;
  }

  /** Sends broadcast `i` stamped now. */
  publish(i: number): void {
    this.publisher?.send(publishText(this.dialect, i, performance.now()));
  }

  /** Closes every connection (bounded). */
  async close(): Promise<void> {
    const all = [...this.subscribers, ...(this.publisher ? [this.publisher] : [])];
    for (const ws of all) ws.close();
    await Promise.all(all.map((ws) => ws.closed(3_000)));
    this.subscribers.length = 0;
    this.publisher = undefined;
  }
}
