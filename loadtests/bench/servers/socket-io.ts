// Socket.IO 4 peer: rooms as channels, `io.to(room).emit`; with REDIS_URL the official
// @socket.io/redis-adapter carries broadcasts between nodes.
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";
import { announceReady, portFromEnv, serveControl } from "./control.js";

const http = createServer();
const io = new Server(http, { transports: ["websocket"], serveClient: false });
const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  io.adapter(createAdapter(pub, sub));
}
io.on("connection", (socket) => {
  socket.on("sub", (room: string) => {
    void socket.join(room);
    socket.emit("subscribed", room);
  });
  socket.on("pub", (room: string, data: unknown) => {
    io.to(room).emit("msg", data);
  });
});
http.listen(portFromEnv(), "127.0.0.1", () => {
  serveControl();
  announceReady(portFromEnv());
});
