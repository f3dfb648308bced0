// POST /v1/publish (one channel) and POST /v1/broadcast (the same message on many channels).
// Scope: `publish`.
import { type Request, type Response, Router } from "express";
import { CHANNEL_RULE, isChannel, MAX_ID_LENGTH } from "../../protocol/index.js";
import { API_PUBLISHER, publishJson } from "../publish.js";
import { answerFailure } from "./answer-failure.js";
import type { ApiDeps } from "./deps.js";
import { badRequest, describeFailure } from "./http-error.js";
import { bodyObject, jsonBody } from "./json-body.js";
import { requireScope } from "./scopes.js";

/** Channels one broadcast may name; a longer list is refused as a whole (400). */
export const MAX_BROADCAST_CHANNELS = 100;
/** Channels of one broadcast published at once, so a broadcast never floods the bus. */
const BROADCAST_CONCURRENCY = 16;

function checkId(id: unknown): string | undefined {
  if (id !== undefined && (typeof id !== "string" || id === "" || id.length > MAX_ID_LENGTH))
    throw badRequest(`\`id\` must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  return id as string | undefined;
}

function checkData(data: unknown): void {
  if (data === undefined) throw badRequest("`data` is required (any JSON value)");
}

export function publishRoutes(d: ApiDeps): Router {
  const r = Router();
  const fail = (res: Response, err: unknown, what: string) => answerFailure(d, res, err, what);

  r.post(
    "/v1/publish",
    requireScope("publish"),
    jsonBody(d.maxPayloadBytes),
    async (req: Request, res: Response) => {
      try {
        const body = bodyObject(req.body, '{"ch","data","id"?}');
        const { ch, data } = body;
        if (!isChannel(ch)) throw badRequest(`\`ch\` must match ${CHANNEL_RULE}`);
        checkData(data);
        const id = checkId(body.id);
        const p = await publishJson(d.broker, d.metrics, {
          ch,
          data,
          id,
          publisher: API_PUBLISHER,
        });
        res.json({ seq: p.seq, epoch: p.epoch });
      } catch (err) {
        fail(res, err, "publish");
      }
    },
  );

  r.post(
    "/v1/broadcast",
    requireScope("publish"),
    jsonBody(d.maxPayloadBytes),
    async (req: Request, res: Response) => {
      try {
        const body = bodyObject(req.body, '{"channels","data","id"?}');
        const channels = body.channels;
        if (
          !Array.isArray(channels) ||
          channels.length === 0 ||
          channels.length > MAX_BROADCAST_CHANNELS
        )
          throw badRequest(
            `\`channels\` must be a list of 1 to ${MAX_BROADCAST_CHANNELS} channel names`,
          );
        const bad = channels.findIndex((c) => !isChannel(c));
        if (bad >= 0) throw badRequest(`\`channels[${bad}]\` must match ${CHANNEL_RULE}`);
        if (new Set(channels).size !== channels.length)
          throw badRequest("`channels` names a channel twice: name each once");
        checkData(body.data);
        const id = checkId(body.id);
        const results = await mapBounded(
          channels as string[],
          BROADCAST_CONCURRENCY,
          async (ch) => {
            try {
              const p = await publishJson(d.broker, d.metrics, {
                ch,
                data: body.data,
                id,
                publisher: API_PUBLISHER,
              });
              return { ch, ok: true as const, seq: p.seq, epoch: p.epoch };
            } catch (err) {
              const f = describeFailure(err);
              if (!f.known) d.log.error({ err: String(err), ch }, "broadcast publish failed");
              d.metrics.errors.inc({ code: f.code });
              return { ch, ok: false as const, error: { code: f.code, message: f.message } };
            }
          },
        );
        const failed = results.filter((x) => !x.ok).length;
        res.json({ results, published: results.length - failed, failed });
      } catch (err) {
        fail(res, err, "broadcast");
      }
    },
  );
  return r;
}

/** `fn` over `items` with at most `limit` running at once; results in the items' order. */
async function mapBounded<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
