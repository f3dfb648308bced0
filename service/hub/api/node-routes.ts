// GET /v1/nodes: every live node's id, version, connections, subscriptions and uptime, as each
// node reports itself. Scope: `admin`.
import { type Request, type Response, Router } from "express";
import { COMMAND } from "../node-commands.js";
import { answerFailure } from "./answer-failure.js";
import { reachOf } from "./cluster-answer.js";
import type { ApiDeps } from "./deps.js";
import { requireScope } from "./scopes.js";

export function nodeRoutes(d: ApiDeps): Router {
  const r = Router();
  r.get("/v1/nodes", requireScope("admin"), async (_req: Request, res: Response) => {
    try {
      const g = await d.control.gather({ kind: COMMAND.node, body: {} }, d.controlTimeoutMs);
      const items = g.answers.flatMap((a) => (a.ok ? [a.body] : []));
      res.json({ items, ...reachOf(g) });
    } catch (err) {
      answerFailure(d, res, err, "nodes");
    }
  });
  return r;
}
