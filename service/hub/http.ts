// The plain HTTP side of a node, on two ports: the public one carries only the backend publish
// API (beside the WebSocket path); the internal one (probes, metrics) is for the kubelet and
// Prometheus and is never routed from outside.
import { timingSafeEqual } from "node:crypto";
import express, { type Request, type Response } from "express";
import type { Broker } from "../bus/index.js";
import type { Secret } from "../config.js";
import { HubError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { CHANNEL_RULE, type ErrorCode, isChannel, MAX_ID_LENGTH } from "../protocol/index.js";
import { bearerToken } from "./auth.js";
import type { HubPresence } from "./presence.js";
import { presenceRouter } from "./presence-http.js";
import { API_PUBLISHER, publishJson } from "./publish.js";

export type HttpDeps = {
  broker: Broker;
  metrics: Metrics;
  log: Logger;
  apiKey: Secret | undefined;
  maxPayloadBytes: number;
  version: string;
  nodeId: string;
  /** Presence for GET /v1/channels/{ch}/presence (absent: 404 like any unknown path). */
  presence?: HubPresence;
  /** Why the node is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
};

/** The HTTP status of a publish refused with each error code; 503 for any other. */
const PUBLISH_STATUS: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  // Sent but unconfirmed: like a gateway timeout, the outcome is unknown; retry with the same id.
  publish_outcome_unknown: 504,
  too_many_channels: 503,
  unavailable: 503,
};

/** The event loop is considered stalled past this p99 delay. */
const STALLED_LOOP_MS = 5_000;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Middleware: the request must carry the API key as a bearer token (when one is set). */
export function requireApiKey(d: HttpDeps): express.RequestHandler {
  return (req, res, next) => {
    const key = d.apiKey?.read();
    if (key === undefined) return next();
    const given = bearerToken(req.headers.authorization);
    if (given === undefined || !sameSecret(given, key)) {
      d.metrics.authFailures.inc({ reason: "api_key" });
      res.status(401).json({ error: "send the API key as Authorization: Bearer <API_KEY>" });
      return;
    }
    next();
  };
}

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

/** The public port's app: POST /v1/publish (the WebSocket upgrade is handled beside it). */
export function createPublicApp(d: HttpDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");

  app.post(
    "/v1/publish",
    requireApiKey(d),
    express.json({ limit: d.maxPayloadBytes, strict: false }),
    async (req: Request, res: Response) => {
      const body = req.body as unknown;
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        res.status(400).json({
          error: 'send a JSON object {"ch","data","id"?} with Content-Type: application/json',
        });
        return;
      }
      const { ch, data, id } = body as { ch?: unknown; data?: unknown; id?: unknown };
      if (!isChannel(ch)) {
        res.status(400).json({ error: `\`ch\` must match ${CHANNEL_RULE}` });
        return;
      }
      if (data === undefined) {
        res.status(400).json({ error: "`data` is required (any JSON value)" });
        return;
      }
      if (id !== undefined && (typeof id !== "string" || id === "" || id.length > MAX_ID_LENGTH)) {
        res.status(400).json({
          error: `\`id\` must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
        });
        return;
      }
      try {
        const r = await publishJson(d.broker, d.metrics, {
          ch,
          data,
          id,
          publisher: API_PUBLISHER,
        });
        res.json({ seq: r.seq, epoch: r.epoch });
      } catch (err) {
        if (!(err instanceof HubError)) d.log.error({ err: String(err) }, "publish failed");
        const code: ErrorCode = err instanceof HubError ? err.code : "unavailable";
        const message =
          err instanceof HubError ? err.message : "the hub could not publish: retry later";
        const status = PUBLISH_STATUS[code] ?? 503;
        d.metrics.errors.inc({ code });
        if (status >= 500) res.set("Retry-After", "1");
        res.status(status).json({ error: message, code });
      }
    },
  );

  if (d.presence) app.use(presenceRouter(d, d.presence));

  app.use((_req, res) => {
    res
      .status(404)
      .json({ error: "not found: this port serves POST /v1/publish and WebSockets at /v1/ws" });
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
      res.status(status).json({ error });
    },
  );

  return app;
}
