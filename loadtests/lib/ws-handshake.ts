// The HTTP/1.1 upgrade that opens a WebSocket (RFC 6455 §4), for the lean client. Pure: the
// caller computes Sec-WebSocket-Accept with its own SHA-1 (node:crypto in the driver).

/** The GUID RFC 6455 appends to the key before hashing it into Sec-WebSocket-Accept. */
export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Bound on response headers: a peer that never ends its headers must not grow memory. */
export const MAX_HEADER_BYTES = 16 * 1024;

export interface UpgradeTarget {
  host: string;
  port: number;
  /** Path and query, e.g. `/v1/ws` or `/socket.io/?EIO=4&transport=websocket`. */
  path: string;
  /** 16 random bytes, base64. */
  key: string;
  headers?: Record<string, string>;
}

/** The upgrade request text. */
export function upgradeRequest(target: UpgradeTarget): string {
  const lines = [
    `GET ${target.path} HTTP/1.1`,
    `Host: ${target.host}:${target.port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${target.key}`,
    "Sec-WebSocket-Version: 13",
  ];
  for (const [name, value] of Object.entries(target.headers ?? {})) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      throw new Error(`header ${JSON.stringify(name)} contains a line break; remove it`);
    }
    lines.push(`${name}: ${value}`);
  }
  return `${lines.join("\r\n")}\r\n\r\n`;
}

export type UpgradeResponse =
  | { complete: false }
  | { complete: true; status: number; headers: Record<string, string>; headerBytes: number };

/** Parses the response head once it is complete; the bytes after `headerBytes` are frames. */
export function parseUpgradeResponse(bytes: Uint8Array): UpgradeResponse {
  let end = -1;
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
      end = i + 1;
      break;
    }
  }
  if (end < 0) {
    if (bytes.length > MAX_HEADER_BYTES) {
      throw new Error(`upgrade response headers exceed ${MAX_HEADER_BYTES} bytes`);
    }
    return { complete: false };
  }
  const text = new TextDecoder().decode(bytes.subarray(0, end - 4));
  const [statusLine = "", ...headerLines] = text.split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine.slice(0, 60))}`);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { complete: true, status: Number(match[1]), headers, headerBytes: end };
}

/** Splits `ws://host:port/path?query` into what the upgrade needs. */
export function parseWsUrl(url: string): { host: string; port: number; path: string } {
  const match = /^ws:\/\/([^/:?#]+|\[[^\]]+\])(?::(\d+))?([^#]*)$/.exec(url);
  if (!match)
    throw new Error(
      `${JSON.stringify(url)} is not a ws:// URL (wss:// is not supported by the lean client)`,
    );
  const host = (match[1] as string).replace(/^\[|\]$/g, "");
  const port = match[2] === undefined ? 80 : Number(match[2]);
  const path = match[3] === undefined || match[3] === "" ? "/" : match[3];
  return { host, port, path: path.startsWith("/") ? path : `/${path}` };
}
