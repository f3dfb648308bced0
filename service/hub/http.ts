// The plain HTTP side of a node, on two ports: the public one carries the server API (api/,
// beside the WebSocket path); the internal one (probes, metrics) is for the kubelet and
// Prometheus and is never routed from outside.
import express, { type Request, type Response } from "express";
import type { ApiKeyring } from "../api-keys.js";
import { type ApiDeps, apiRouters, installApiKeys } from "./api/index.js";
import type { HubPresence } from "./presence.js";
import { presenceRouter } from "./presence-http.js";

export type HttpDeps = ApiDeps & {
  /** The API keys in force (re-read when a key file changes). */
  keyring(): ApiKeyring;
  version: string;
  nodeId: string;
  /** Presence for GET /v1/channels/{ch}/presence (absent: 404 like any unknown path). */
  presence?: HubPresence;
  /** Why the node is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
};

/** The event loop is considered stalled past this p99 delay. */
const STALLED_LOOP_MS = 5_000;

/** The internal port's app: /livez, /readyz, /metrics. */
export function createInternalApp(d: HttpDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");

  app.get("/livez", (_req, res) => {
    const lagMs = d.metrics.loopDelayMs();
    if (lagMs > STALLED_LOOP_MS) {
      res.status(503).json({ status: "stalled", lagMs: Math.round(lagMs) });
      return;
    }
    res.json({ status: "ok" });
  });

  app.get("/readyz", (_req, res) => {
    const reason = d.notReadyReason();
    const body = {
      status: reason === undefined ? "ready" : "not_ready",
      version: d.version,
      node: d.nodeId,
    };
    if (reason === undefined) res.json(body);
    else res.status(503).json({ ...body, reason });
  });

  app.get("/metrics", async (_req, res) => {
    res.set("Content-Type", d.metrics.registry.contentType);
    res.send(await d.metrics.registry.metrics());
  });

  app.use((_req, res) => {
    res
      .status(404)
      .json({ error: "not found: the internal port serves /livez, /readyz, /metrics" });
  });
  return app;
}

/** The public port's app: the server API (the WebSocket upgrade is handled beside it). */
export function createPublicApp(d: HttpDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  installApiKeys(app, {
    keyring: d.keyring,
    refused: (reason) => d.metrics.authFailures.inc({ reason }),
  });
  for (const router of apiRouters(d)) app.use(router);

  if (d.presence) app.use(presenceRouter(d, d.presence));

  app.use((_req, res) => {
    res.status(404).json({
      error:
        "not found: this port serves the API under /v1 (docs/api.yaml) and WebSockets at /v1/ws",
    });
  });

  // Malformed or oversized JSON bodies: a clear 4xx, never a stack trace.
  app.use(
    (
      err: { status?: number; type?: string; message?: string },
      _req: Request,
      res: Response,
      _next: () => void,
    ) => {
      const status =
        typeof err.status === "number" && err.status >= 400 && err.status < 500 ? err.status : 500;
      if (status === 500) d.log.error({ err: err.message }, "http request failed");
      const error =
        err.type === "entity.too.large"
          ? `the body is larger than MAX_PAYLOAD_BYTES (${d.maxPayloadBytes})`
          : status === 400
            ? "the body is not valid JSON"
            : "request failed";
      res.status(status).json({ error, code: status === 500 ? "unavailable" : "bad_request" });
    },
  );

  return app;
}
