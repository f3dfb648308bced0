// A message framed once and written as the same bytes to every subscriber's socket, instead of
// ws framing it again per socket. This is what Socket.IO's engine.io does for broadcasts
// ("wsPreEncodedFrame"), with the two ws entry points the ws maintainers pointed it to
// (websockets/ws#617): the public static Sender.frame and the sender's sendFrame.

import type { WebSocket } from "ws";
import * as wsLib from "ws";

type FrameOptions = {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
};
type SenderClass = { frame(data: Buffer, options: FrameOptions): Buffer[] };
export type FrameSender = { sendFrame(list: Buffer[], cb?: (err?: Error) => void): void };

const Sender = (wsLib as unknown as { Sender?: SenderClass }).Sender;

/** `json` as one unmasked, final WebSocket text frame (what a server sends). */
export function textFrame(json: Buffer): Buffer | undefined {
  if (Sender === undefined) return undefined;
  const parts = Sender.frame(json, {
    fin: true,
    opcode: 1,
    mask: false,
    readOnly: true,
    rsv1: false,
  });
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * The socket's frame writer, when this ws version has one. Only for sockets without
 * permessage-deflate (the hub turns it off): a compressed socket would need its own frames.
 */
export function frameSender(ws: WebSocket): FrameSender | undefined {
  const sender = (ws as unknown as { _sender?: Partial<FrameSender> })._sender;
  return typeof sender?.sendFrame === "function" ? (sender as FrameSender) : undefined;
}

/** A msg frame built once per message and node: its JSON and, made on first use, its wire form. */
export class OutFrame {
  private wireForm: Buffer | null | undefined;

  constructor(readonly json: Buffer) {}

  get wire(): Buffer | undefined {
    if (this.wireForm === undefined) this.wireForm = textFrame(this.json) ?? null;
    return this.wireForm ?? undefined;
  }
}
