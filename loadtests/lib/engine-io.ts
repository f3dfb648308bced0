// The slice of engine.io v4 / socket.io v5 the lean client needs to load a Socket.IO server over
// the websocket transport: open, connect, events, ping/pong. Pure.

/** Query that selects engine.io v4 over a plain WebSocket, without HTTP long-polling first. */
export const SOCKET_IO_PATH = "/socket.io/?EIO=4&transport=websocket";
/** socket.io CONNECT to the main namespace, sent after the engine.io open packet. */
export const CONNECT_PACKET = "40";
/** engine.io pong, the reply to the server's ping ("2"). */
export const PONG_PACKET = "3";

export type EnginePacket =
  | { kind: "open"; sid: string; pingIntervalMs: number }
  | { kind: "ping" }
  | { kind: "connected" }
  | { kind: "event"; name: string; args: unknown[] }
  | { kind: "close" }
  | { kind: "other"; text: string };

/** Decodes one engine.io text packet (and the socket.io packet inside a message). */
export function decodeEnginePacket(text: string): EnginePacket {
  switch (text[0]) {
    case "0": {
      const open = JSON.parse(text.slice(1)) as { sid?: unknown; pingInterval?: unknown };
      return {
        kind: "open",
        sid: String(open.sid ?? ""),
        pingIntervalMs: typeof open.pingInterval === "number" ? open.pingInterval : 25_000,
      };
    }
    case "1":
      return { kind: "close" };
    case "2":
      return { kind: "ping" };
    case "4":
      if (text[1] === "0") return { kind: "connected" };
      if (text[1] === "2") {
        const list = JSON.parse(text.slice(text.indexOf("["))) as unknown;
        if (Array.isArray(list) && typeof list[0] === "string") {
          return { kind: "event", name: list[0], args: list.slice(1) };
        }
      }
      return { kind: "other", text };
    default:
      return { kind: "other", text };
  }
}

/** A socket.io EVENT packet for the main namespace. */
export function encodeEvent(name: string, ...args: unknown[]): string {
  return `42${JSON.stringify([name, ...args])}`;
}

/** Whether raw packet bytes are a socket.io EVENT (`42…`): the hot path checks this unparsed. */
export function isEventPacket(bytes: Uint8Array): boolean {
  return bytes[0] === 0x34 && bytes[1] === 0x32;
}
