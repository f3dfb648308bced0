// The hub client SDK for Node: the `ws` package as the WebSocket, the token in an Authorization
// header, and ws ping events counted as liveness.
import WebSocket from "ws";
import { HubClient } from "./client.js";
import type { HubClientOptions } from "./client-options.js";
import { urlWithToken, type WebSocketLike } from "./socket.js";

export * from "./index.js";

export type NodeClientOptions = Omit<HubClientOptions, "WebSocket" | "createSocket"> & {
  /** How the token reaches the hub: `Authorization: Bearer` (default) or `?token=` as browsers do. */
  tokenIn?: "header" | "query";
  /** Extra upgrade request headers, e.g. `Origin`. */
  headers?: Record<string, string>;
};

/** A HubClient on the `ws` package. */
export function createNodeClient(options: NodeClientOptions): HubClient {
  const { tokenIn = "header", headers = {}, ...rest } = options;
  return new HubClient({
    ...rest,
    createSocket: (url, token, alive) => {
      const h: Record<string, string> = { ...headers };
      let target = url;
      if (token !== undefined && tokenIn === "header") h.authorization = `Bearer ${token}`;
      else target = urlWithToken(url, token);
      const ws = new WebSocket(target, { headers: h });
      // The hub's heartbeat is a ws ping: it proves liveness even when no frame is due.
      ws.on("ping", alive);
      return ws as unknown as WebSocketLike;
    },
  });
}
