import { describe, expect, it } from "vitest";
import {
  closePayload,
  encodeFrame,
  FrameDecoder,
  FrameError,
  OPCODE,
  parseClose,
} from "./ws-frame.js";

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function collect(max?: number) {
  const messages: string[] = [];
  const controls: Array<[number, string]> = [];
  const decoder = new FrameDecoder(
    {
      message: (_op, p) => messages.push(str(p)),
      control: (op, p) => controls.push([op, str(p)]),
    },
    max,
  );
  return { decoder, messages, controls };
}

/** A server (unmasked) frame with an explicit FIN bit, for fragmentation tests. */
function rawFrame(fin: boolean, opcode: number, payload: Uint8Array): Uint8Array {
  const frame = encodeFrame(opcode, payload);
  if (!fin) frame[0] = (frame[0] as number) & 0x7f;
  return frame;
}

describe("encodeFrame", () => {
  it("masks client payloads with the given key so that XOR with the key restores them", () => {
    const mask = new Uint8Array([1, 2, 3, 4]);
    const frame = encodeFrame(OPCODE.text, text("hello"), mask);
    expect(frame[0]).toBe(0x81);
    expect(frame[1]).toBe(0x80 | 5);
    expect([...frame.subarray(2, 6)]).toEqual([1, 2, 3, 4]);
    const body = frame.subarray(6).map((b, i) => b ^ (mask[i & 3] as number));
    expect(str(body)).toBe("hello");
  });

  it("uses the 16-bit and 64-bit length forms at 126 and 65536 bytes", () => {
    expect(encodeFrame(OPCODE.binary, new Uint8Array(126))[1]).toBe(126);
    const big = encodeFrame(OPCODE.binary, new Uint8Array(70_000));
    expect(big[1]).toBe(127);
    expect(new DataView(big.buffer).getUint32(6)).toBe(70_000);
    expect(big.length).toBe(10 + 70_000);
  });
});

describe("FrameDecoder", () => {
  it("decodes several frames from one chunk and one frame split over many chunks", () => {
    const { decoder, messages } = collect();
    const a = encodeFrame(OPCODE.text, text("one"));
    const b = encodeFrame(OPCODE.text, text("x".repeat(300)));
    const all = new Uint8Array([...a, ...b, ...a]);
    decoder.push(all.subarray(0, all.length - 3));
    expect(messages).toEqual(["one", "x".repeat(300)]);
    decoder.push(all.subarray(all.length - 3));
    expect(messages).toEqual(["one", "x".repeat(300), "one"]);
  });

  it("decodes byte-by-byte delivery, including the extended length header", () => {
    const { decoder, messages } = collect();
    const frame = encodeFrame(OPCODE.text, text("y".repeat(70_000)));
    for (let i = 0; i < 12; i++) decoder.push(frame.subarray(i, i + 1));
    decoder.push(frame.subarray(12));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.length).toBe(70_000);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("reassembles a fragmented message with a ping interleaved", () => {
    const { decoder, messages, controls } = collect();
    decoder.push(rawFrame(false, OPCODE.text, text("hel")));
    decoder.push(rawFrame(true, OPCODE.ping, text("p")));
    decoder.push(rawFrame(false, OPCODE.continuation, text("lo ")));
    expect(messages).toEqual([]);
    decoder.push(rawFrame(true, OPCODE.continuation, text("world")));
    expect(messages).toEqual(["hello world"]);
    expect(controls).toEqual([[OPCODE.ping, "p"]]);
  });

  it("unmasks masked frames", () => {
    const { decoder, messages } = collect();
    decoder.push(encodeFrame(OPCODE.text, text("masked"), new Uint8Array([9, 8, 7, 6])));
    expect(messages).toEqual(["masked"]);
  });

  it("rejects a frame over the bound instead of buffering it", () => {
    const { decoder } = collect(1000);
    expect(() => decoder.push(encodeFrame(OPCODE.text, new Uint8Array(1001)))).toThrow(FrameError);
  });

  it("rejects a continuation without a first fragment and a fragmented control frame", () => {
    expect(() => collect().decoder.push(rawFrame(true, OPCODE.continuation, text("x")))).toThrow(
      /continuation/,
    );
    expect(() => collect().decoder.push(rawFrame(false, OPCODE.ping, text("x")))).toThrow(
      /control/,
    );
  });
});

describe("close payloads", () => {
  it("round-trips a code and reason, and reads an empty body as 1005", () => {
    expect(parseClose(closePayload(1001, '{"retryAfterMs":5}'))).toEqual({
      code: 1001,
      reason: '{"retryAfterMs":5}',
    });
    expect(parseClose(new Uint8Array())).toEqual({ code: 1005, reason: "" });
  });
});
