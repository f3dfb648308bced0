import { describe, expect, it } from "vitest";
import { decodeEnginePacket, encodeEvent, isEventPacket } from "./engine-io.js";

describe("engine.io packets", () => {
  it("decodes open, ping, connect and event packets", () => {
    expect(decodeEnginePacket('0{"sid":"abc","pingInterval":25000,"pingTimeout":20000}')).toEqual({
      kind: "open",
      sid: "abc",
      pingIntervalMs: 25_000,
    });
    expect(decodeEnginePacket("2")).toEqual({ kind: "ping" });
    expect(decodeEnginePacket('40{"sid":"x"}')).toEqual({ kind: "connected" });
    expect(decodeEnginePacket('42["msg",{"i":1}]')).toEqual({
      kind: "event",
      name: "msg",
      args: [{ i: 1 }],
    });
    expect(decodeEnginePacket("44{}").kind).toBe("other");
  });

  it("encodes an event that decodes back to the same name and arguments", () => {
    const text = encodeEvent("pub", "room", { t: 1.5 });
    expect(text).toBe('42["pub","room",{"t":1.5}]');
    expect(decodeEnginePacket(text)).toEqual({
      kind: "event",
      name: "pub",
      args: ["room", { t: 1.5 }],
    });
    expect(isEventPacket(new TextEncoder().encode(text))).toBe(true);
    expect(isEventPacket(new TextEncoder().encode("40"))).toBe(false);
  });
});
