// Pre-framed msg frames: the bytes are a valid server text frame of every length class, the
// installed ws still offers the writer they need, and a client reads them as ws.send's own.
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { frameSender, OutFrame, textFrame } from "./prepared-frame.js";

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

it("frames text as one final, unmasked frame with the right length encoding", () => {
  for (const [size, header] of [
    [5, [0x81, 5]],
    [125, [0x81, 125]],
    [126, [0x81, 126, 0, 126]],
    [65_535, [0x81, 126, 0xff, 0xff]],
    [65_536, [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]],
  ] as const) {
    const json = Buffer.alloc(size, "a");
    const wire = textFrame(json);
    expect(wire, `size ${size}`).toBeDefined();
    expect([...(wire as Buffer).subarray(0, header.length)]).toEqual(header);
    expect((wire as Buffer).subarray(header.length).equals(json)).toBe(true);
  }
});

it("makes the wire form once per frame, however many sockets it goes to", () => {
  const frame = new OutFrame(Buffer.from('{"op":"msg"}'));
  expect(frame.wire).toBe(frame.wire);
});

it("writes frames a ws client reads, in order with ws.send's own", async () => {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
  open.push(wss);
  await new Promise((r) => wss.once("listening", r));
  const serverSide = new Promise<WebSocket>((r) => wss.once("connection", r));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  open.push(client);
  const got: string[] = [];
  const all = new Promise<void>((resolve) =>
    client.on("message", (data) => {
      got.push(data.toString());
      if (got.length === 4) resolve();
    }),
  );
  const ws = await serverSide;
  const sender = frameSender(ws);
  // If a ws upgrade drops the writer, the hub falls back to ws.send; this says so.
  expect(sender, "ws no longer has _sender.sendFrame").toBeDefined();
  const big = "x".repeat(70_000);
  ws.send("first");
  sender?.sendFrame([new OutFrame(Buffer.from("second")).wire as Buffer]);
  sender?.sendFrame([new OutFrame(Buffer.from(big)).wire as Buffer]);
  ws.send("last");
  await all;
  expect(got).toEqual(["first", "second", big, "last"]);
});
