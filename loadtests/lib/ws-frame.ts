// RFC 6455 framing for the lean load client: encode masked client frames, decode server frames
// arriving in arbitrary TCP chunks. Pure (Uint8Array only) so tests need no sockets.

export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** The largest message the decoder buffers; a bigger frame is a protocol error, not a hang. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The peer broke the framing rules; the connection must be dropped. */
export class FrameError extends Error {
  override readonly name = "FrameError";
}

/** What the decoder hands out: a whole data message or one control frame. */
export interface FrameHandlers {
  /** A complete text (1) or binary (2) message, reassembled from fragments when needed. */
  message(opcode: number, payload: Uint8Array): void;
  /** A control frame: close (8), ping (9) or pong (10). */
  control(opcode: number, payload: Uint8Array): void;
}

/** Encodes one final frame; `mask` (4 bytes) is required for client → server frames. */
export function encodeFrame(opcode: number, payload: Uint8Array, mask?: Uint8Array): Uint8Array {
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = 2 + lenBytes + (mask ? 4 : 0);
  const out = new Uint8Array(head + len);
  out[0] = 0x80 | (opcode & 0x0f);
  const maskBit = mask ? 0x80 : 0;
  if (lenBytes === 0) {
    out[1] = maskBit | len;
  } else if (lenBytes === 2) {
    out[1] = maskBit | 126;
    out[2] = len >>> 8;
    out[3] = len & 0xff;
  } else {
    out[1] = maskBit | 127;
    const high = Math.floor(len / 2 ** 32);
    new DataView(out.buffer).setUint32(2, high);
    new DataView(out.buffer).setUint32(6, len >>> 0);
  }
  if (!mask) {
    out.set(payload, head);
    return out;
  }
  out.set(mask.subarray(0, 4), head - 4);
  for (let i = 0; i < len; i++) out[head + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return out;
}

/** Encodes a close frame body: 2-byte code then the UTF-8 reason. */
export function closePayload(code: number, reason = ""): Uint8Array {
  const text = new TextEncoder().encode(reason);
  const out = new Uint8Array(2 + text.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(text, 2);
  return out;
}

/** Reads a close frame body; 1005 (no status) when it is empty. */
export function parseClose(payload: Uint8Array): { code: number; reason: string } {
  if (payload.length < 2) return { code: 1005, reason: "" };
  const code = ((payload[0] as number) << 8) | (payload[1] as number);
  return { code, reason: new TextDecoder().decode(payload.subarray(2)) };
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Incremental decoder: feed it every chunk in order; it calls the handlers for each frame. */
export class FrameDecoder {
  private pending: Uint8Array | undefined;
  private fragments: Uint8Array[] = [];
  private fragmentBytes = 0;
  private fragmentOpcode = 0;

  constructor(
    private readonly handlers: FrameHandlers,
    private readonly maxMessageBytes = MAX_MESSAGE_BYTES,
  ) {}

  /** Bytes held back waiting for the rest of a frame (bounded by maxMessageBytes + header). */
  get bufferedBytes(): number {
    return (this.pending?.length ?? 0) + this.fragmentBytes;
  }

  /** Consumes one chunk; throws FrameError on a protocol violation. */
  push(chunk: Uint8Array): void {
    let buf = chunk;
    if (this.pending) {
      buf = concat([this.pending, chunk], this.pending.length + chunk.length);
      this.pending = undefined;
    }
    let at = 0;
    const end = buf.length;
    // Each pass consumes one whole frame; the loop ends when the rest is an incomplete frame.
    while (end - at >= 2) {
      const b0 = buf[at] as number;
      const b1 = buf[at + 1] as number;
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (end - at < 4) break;
        len = ((buf[at + 2] as number) << 8) | (buf[at + 3] as number);
        head = 4;
      } else if (len === 127) {
        if (end - at < 10) break;
        const view = new DataView(buf.buffer, buf.byteOffset + at + 2, 8);
        len = view.getUint32(0) * 2 ** 32 + view.getUint32(4);
        head = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      if (masked) head += 4;
      if (len > this.maxMessageBytes) {
        throw new FrameError(
          `frame of ${len} bytes exceeds the ${this.maxMessageBytes}-byte bound`,
        );
      }
      if (end - at < head + len) break;
      let payload = buf.subarray(at + head, at + head + len);
      if (masked) {
        const key = buf.subarray(at + head - 4, at + head);
        const copy = new Uint8Array(len);
        for (let i = 0; i < len; i++) copy[i] = (payload[i] as number) ^ (key[i & 3] as number);
        payload = copy;
      }
      at += head + len;
      this.frame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
    if (at < end) this.pending = buf.subarray(at);
  }

  private frame(fin: boolean, opcode: number, payload: Uint8Array): void {
    if (opcode >= 0x8) {
      if (!fin || payload.length > 125)
        throw new FrameError("control frames must be final and ≤125 bytes");
      this.handlers.control(opcode, payload);
      return;
    }
    if (opcode === OPCODE.continuation) {
      if (this.fragmentOpcode === 0)
        throw new FrameError("continuation frame without a first fragment");
      this.fragmentBytes += payload.length;
      if (this.fragmentBytes > this.maxMessageBytes) {
        throw new FrameError(`fragmented message exceeds the ${this.maxMessageBytes}-byte bound`);
      }
      this.fragments.push(payload.slice());
      if (!fin) return;
      const whole = concat(this.fragments, this.fragmentBytes);
      const op = this.fragmentOpcode;
      this.fragments = [];
      this.fragmentBytes = 0;
      this.fragmentOpcode = 0;
      this.handlers.message(op, whole);
      return;
    }
    if (opcode !== OPCODE.text && opcode !== OPCODE.binary) {
      throw new FrameError(`reserved opcode ${opcode}`);
    }
    if (this.fragmentOpcode !== 0)
      throw new FrameError("new message started inside a fragmented one");
    if (fin) {
      this.handlers.message(opcode, payload);
      return;
    }
    this.fragmentOpcode = opcode;
    this.fragments = [payload.slice()];
    this.fragmentBytes = payload.length;
  }
}
