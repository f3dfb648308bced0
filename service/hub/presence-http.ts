// GET /v1/channels/{ch}/presence on the public port: the server API's view of a presence
// channel, behind the API key. Query: cursor, limit (1..MAX_PRESENCE_PAGE), countOnly (true|1|false|0).
import express from "express";
import { HubError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import {
  CHANNEL_RULE,
  type ErrorCode,
  isChannel,
  MAX_PRESENCE_PAGE,
  type PresenceFrame,
} from "../protocol/index.js";
import { requireScope } from "./api/index.js";
import type { HubPresence } from "./presence.js";

const STATUS: Partial<Record<ErrorCode, number>> = {
  presence_disabled: 404,
  unavailable: 503,
};

/** The presence endpoint as a router the public app mounts. */
/** What the route needs from the app: where to log, and the error counter. */
type PresenceHttpDeps = { log: Logger; metrics: Metrics };

export function presenceRouter(d: PresenceHttpDeps, presence: HubPresence): express.Router {
  const router = express.Router();
  router.get("/v1/channels/:ch/presence", requireScope("read"), async (req, res) => {
    const ch = req.params.ch;
    if (!isChannel(ch)) {
      res
        .status(400)
        .json({ error: `the channel must match ${CHANNEL_RULE}`, code: "bad_request" });
      return;
    }
    const frame: PresenceFrame = { op: "presence", ch };
    const { cursor, limit, countOnly } = req.query;
    if (cursor !== undefined) {
      if (typeof cursor !== "string" || cursor === "" || cursor.length > 256) {
        res
          .status(400)
          .json({ error: "`cursor` must be the one a previous page sent", code: "bad_request" });
        return;
      }
      frame.cursor = cursor;
    }
    if (limit !== undefined) {
      const n = typeof limit === "string" && /^\d{1,7}$/.test(limit) ? Number(limit) : 0;
      if (n < 1 || n > MAX_PRESENCE_PAGE) {
        res.status(400).json({
          error: `\`limit\` must be an integer from 1 to ${MAX_PRESENCE_PAGE}`,
          code: "bad_request",
        });
        return;
      }
      frame.limit = n;
    }
    if (countOnly !== undefined) {
      if (countOnly !== "true" && countOnly !== "1" && countOnly !== "false" && countOnly !== "0") {
        res
          .status(400)
          .json({ error: "`countOnly` must be true, 1, false or 0", code: "bad_request" });
        return;
      }
      if (countOnly === "true" || countOnly === "1") frame.countOnly = true;
    }
    try {
      const { op: _op, ...reply } = await presence.query(frame);
      res.json(reply);
    } catch (err) {
      if (!(err instanceof HubError)) d.log.error({ err: String(err) }, "presence failed");
      const code: ErrorCode = err instanceof HubError ? err.code : "unavailable";
      const message =
        err instanceof HubError ? err.message : "the hub could not read presence: retry later";
      const status = STATUS[code] ?? 503;
      d.metrics.errors.inc({ code });
      if (status >= 500) res.set("Retry-After", "1");
      res.status(status).json({ error: message, code });
    }
  });
  return router;
}
