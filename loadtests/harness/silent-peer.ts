// A peer whose process hangs: it upgrades over raw TCP, then never answers a ping, a close frame
// or the server's FIN. Tests use it to prove the hub cuts such sockets instead of waiting on them.
import { randomBytes } from "node:crypto";
import { createConnection, type Socket } from "node:net";
import { PROTOCOL_PATH } from "../../service/protocol/index.js";
import { FrameDecoder, OPCODE, parseClose } from "../lib/ws-frame.js";
import { parseUpgradeResponse, upgradeRequest } from "../lib/ws-handshake.js";

export class SilentPeer {
  /** The status codes of the close frames the server sent. */
  readonly closeCodes: number[] = [];
  /** The server half-closed its side (FIN): it has said all it will say. */
  finReceived = false;
  private readonly decoder = new FrameDecoder({
    message: () => undefined,
    control: (opcode, payload) => {
      if (opcode === OPCODE.close) this.closeCodes.push(parseClose(payload).code);
    },
  });

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.decoder.push(chunk));
    socket.on("end", () => {
      this.finReceived = true;
    });
    socket.on("error", () => undefined);
  }

  /** Upgrades on 127.0.0.1:`port`; rejects when the server answers anything but 101. */
  static connect(port: number, path = PROTOCOL_PATH): Promise<SilentPeer> {
    return new Promise((resolve, reject) => {
      // Half-open allowed: Node would otherwise answer the server's FIN by itself.
      const socket = createConnection({ host: "127.0.0.1", port, allowHalfOpen: true });
      let head = Buffer.alloc(0);
      const fail = (error: Error) => {
        socket.destroy();
        reject(error);
      };
      const onHead = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const parsed = parseUpgradeResponse(head);
        if (!parsed.complete) return;
        socket.off("data", onHead);
        socket.off("error", fail);
        if (parsed.status !== 101) return fail(new Error(`upgrade refused: HTTP ${parsed.status}`));
        const peer = new SilentPeer(socket);
        peer.decoder.push(head.subarray(parsed.headerBytes));
        resolve(peer);
      };
      socket.on("data", onHead);
      socket.on("error", fail);
      const key = randomBytes(16).toString("base64");
      socket.write(upgradeRequest({ host: "127.0.0.1", port, path, key }));
    });
  }

  /**
   * Sends only the header of a masked text frame announcing `length` payload bytes: a server
   * with a smaller limit must refuse it before any payload arrives.
   */
  announceText(length: number): void {
    const header = Buffer.alloc(14);
    header[0] = 0x80 | OPCODE.text;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
    randomBytes(4).copy(header, 10);
    this.socket.write(header);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
