// The floor: a naive ws broadcast loop (serialize once, then `client.send` per subscriber, which
// frames per socket). With REDIS_URL it is the "raw ws + 10-line ioredis bridge" peer.
import { Redis } from "ioredis";
import { type WebSocket, WebSocketServer } from "ws";
import { announceReady, portFromEnv, serveControl } from "./control.js";

const channels = new Map<string, Set<WebSocket>>();

function deliver(ch: string, text: string): void {
  for (const client of channels.get(ch) ?? []) client.send(text);
}

// The bridge: publish to Redis; one subscriber connection fans Redis messages out locally.
let publish = (ch: string, text: string) => deliver(ch, text);
const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  const pub = new Redis(redisUrl);
  const sub = new Redis(redisUrl);
  pub.on("error", () => {});
  sub.on("error", () => {});
  await sub.subscribe("bench");
  sub.on("message", (ch: string, text: string) => deliver(ch, text));
  publish = (ch, text) => void pub.publish(ch, text);
}

const wss = new WebSocketServer({ host: "127.0.0.1", port: portFromEnv(), path: "/v1/ws" });
wss.on("connection", (ws) => {
  ws.send('{"op":"hello"}');
  ws.on("message", (raw) => {
    const frame = JSON.parse(String(raw)) as { op: string; ch: string; data?: unknown };
    if (frame.op === "sub") {
      let set = channels.get(frame.ch);
      if (!set) {
        set = new Set();
        channels.set(frame.ch, set);
      }
      set.add(ws);
      ws.on("close", () => set.delete(ws));
      ws.send(`{"op":"subscribed","ch":${JSON.stringify(frame.ch)}}`);
    } else if (frame.op === "pub") {
      publish(frame.ch, JSON.stringify({ op: "msg", ch: frame.ch, data: frame.data }));
    }
  });
});
wss.on("listening", () => {
  serveControl();
  announceReady(portFromEnv());
});
