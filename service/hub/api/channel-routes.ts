// GET /v1/channels/{ch} (subscribers on every node, seq, epoch) and
// GET /v1/channels/{ch}/history?limit=&since= (stored messages). Scope: `read`.
import { type Request, type Response, Router } from "express";
import type { StoredMessage } from "../../bus/index.js";
import { CHANNEL_RULE, isChannel } from "../../protocol/index.js";
import { COMMAND } from "../node-commands.js";
import { answerFailure } from "./answer-failure.js";
import { reachOf, sumOf } from "./cluster-answer.js";
import type { ApiDeps } from "./deps.js";
import { badRequest } from "./http-error.js";
import { requireScope } from "./scopes.js";

/** Messages one history read returns at most; `limit` defaults to it. */
export const MAX_HISTORY_LIMIT = 1_000;
export const DEFAULT_HISTORY_LIMIT = 100;

function channelParam(req: Request): string {
  const ch = req.params.ch;
  if (!isChannel(ch)) throw badRequest(`the channel in the path must match ${CHANNEL_RULE}`);
  return ch;
}

/** A query parameter as an integer in [min, max], or `fallback` when absent. */
function intQuery(
  req: Request,
  name: string,
  min: number,
  max: number,
  fallback?: number,
): number | undefined {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw badRequest(`\`${name}\` must be an integer from ${min} to ${max}`);
  return Number(raw);
}

/** A stored message as the API shows it: its data as JSON again. */
function shown(m: StoredMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    seq: m.seq,
    data: JSON.parse(m.data) as unknown,
    ts: m.ts,
  };
  if (m.id !== undefined) out.id = m.id;
  return out;
}

export function channelRoutes(d: ApiDeps): Router {
  const r = Router();
  const fail = (res: Response, err: unknown, what: string) => answerFailure(d, res, err, what);

  r.get("/v1/channels/:ch", requireScope("read"), async (req: Request, res: Response) => {
    try {
      const ch = channelParam(req);
      const [h, g] = await Promise.all([
        d.broker.history(ch),
        d.control.gather({ kind: COMMAND.channel, body: { ch } }, d.controlTimeoutMs),
      ]);
      res.json({
        ch,
        seq: h.seq,
        epoch: h.epoch,
        subscribers: sumOf(g, "subscribers"),
        ...reachOf(g),
      });
    } catch (err) {
      fail(res, err, "channel info");
    }
  });

  r.get("/v1/channels/:ch/history", requireScope("read"), async (req: Request, res: Response) => {
    try {
      const ch = channelParam(req);
      const limit = intQuery(req, "limit", 1, MAX_HISTORY_LIMIT, DEFAULT_HISTORY_LIMIT) as number;
      const since = intQuery(req, "since", 0, Number.MAX_SAFE_INTEGER);
      // Without `since`: the latest `limit` messages. With it: the first `limit` after it.
      const head = await d.broker.history(ch);
      const from = since ?? Math.max(0, head.seq - limit);
      const h =
        from >= head.seq
          ? { ...head, complete: from === head.seq }
          : await d.broker.history(ch, from);
      const messages = h.messages.slice(0, limit).map(shown);
      const more = h.messages.length > limit;
      // complete: history held every message after `from` (nothing was trimmed or expired).
      res.json({ ch, seq: h.seq, epoch: h.epoch, messages, complete: h.complete, more });
    } catch (err) {
      fail(res, err, "history");
    }
  });
  return r;
}
