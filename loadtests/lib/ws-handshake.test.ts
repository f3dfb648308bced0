import { describe, expect, it } from "vitest";
import { parseUpgradeResponse, parseWsUrl, upgradeRequest } from "./ws-handshake.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("upgradeRequest", () => {
  it("writes the RFC 6455 headers and extra headers, ending with a blank line", () => {
    const text = upgradeRequest({
      host: "127.0.0.1",
      port: 8080,
      path: "/v1/ws",
      key: "dGhlIHNhbXBsZSBub25jZQ==",
      headers: { Authorization: "Bearer x" },
    });
    expect(text.startsWith("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n")).toBe(true);
    expect(text).toContain("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
    expect(text).toContain("Authorization: Bearer x\r\n");
    expect(text.endsWith("\r\n\r\n")).toBe(true);
  });

  it("refuses a header value that would inject a line", () => {
    expect(() =>
      upgradeRequest({ host: "h", port: 1, path: "/", key: "k", headers: { a: "b\r\nc: d" } }),
    ).toThrow(/line break/);
  });
});

describe("parseUpgradeResponse", () => {
  it("waits for the end of the head, then reports status, headers and where frames start", () => {
    const head =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: abc=\r\n\r\n";
    expect(parseUpgradeResponse(bytes(head.slice(0, 40)))).toEqual({ complete: false });
    const parsed = parseUpgradeResponse(bytes(`${head}\x81\x02hi`));
    expect(parsed).toEqual({
      complete: true,
      status: 101,
      headers: { upgrade: "websocket", "sec-websocket-accept": "abc=" },
      headerBytes: head.length,
    });
  });

  it("reports a refusal status such as 401", () => {
    const parsed = parseUpgradeResponse(
      bytes("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"),
    );
    expect(parsed.complete && parsed.status).toBe(401);
  });

  it("gives up on endless headers", () => {
    expect(() => parseUpgradeResponse(new Uint8Array(20_000).fill(65))).toThrow(/exceed/);
  });
});

describe("parseWsUrl", () => {
  it("splits host, port and path with query", () => {
    expect(parseWsUrl("ws://127.0.0.1:8080/v1/ws")).toEqual({
      host: "127.0.0.1",
      port: 8080,
      path: "/v1/ws",
    });
    expect(parseWsUrl("ws://localhost:3000/socket.io/?EIO=4&transport=websocket").path).toBe(
      "/socket.io/?EIO=4&transport=websocket",
    );
    expect(parseWsUrl("ws://example")).toEqual({ host: "example", port: 80, path: "/" });
  });

  it("refuses wss:// and http:// with a reason", () => {
    expect(() => parseWsUrl("wss://a/b")).toThrow(/not a ws:\/\/ URL/);
    expect(() => parseWsUrl("http://a/b")).toThrow(/not a ws:\/\/ URL/);
  });
});
