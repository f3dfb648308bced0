// POST /v1/users/{user}/disconnect and POST /v1/users/{user}/unsubscribe: act on every
// connection of one user (a token's `sub`) on every node. Scope: `admin`.
import { type Request, type Response, Router } from "express";
import { CHANNEL_RULE, isChannel } from "../../protocol/index.js";
import { COMMAND } from "../node-commands.js";
import { answerFailure } from "./answer-failure.js";
import { reachOf, sumOf } from "./cluster-answer.js";
import type { ApiDeps } from "./deps.js";
import { badRequest } from "./http-error.js";
import { bodyObject, jsonBody } from "./json-body.js";
import { callerOf, requireScope } from "./scopes.js";

/** The close codes a disconnect may use: the application range (4000 = do not reconnect). */
export const DISCONNECT_CODES = { min: 4000, max: 4999, default: 4000 } as const;
/** A close reason's bound in bytes (a close frame carries at most 123). */
export const MAX_REASON_BYTES = 120;
const MAX_USER_LENGTH = 256;

function userParam(req: Request): string {
  const user = req.params.user;
  if (typeof user !== "string" || user === "" || user.length > MAX_USER_LENGTH)
    throw badRequest(
      `the user in the path must be a token subject of 1 to ${MAX_USER_LENGTH} characters`,
    );
  return user;
}

export function userRoutes(d: ApiDeps): Router {
  const r = Router();
  const body = jsonBody(d.maxPayloadBytes);
  const fail = (res: Response, err: unknown, what: string) => answerFailure(d, res, err, what);

  r.post(
    "/v1/users/:user/disconnect",
    requireScope("admin"),
    body,
    async (req: Request, res: Response) => {
      try {
        const user = userParam(req);
        const b = req.body === undefined ? {} : bodyObject(req.body, '{"code"?,"reason"?}');
        const code = b.code ?? DISCONNECT_CODES.default;
        if (
          typeof code !== "number" ||
          !Number.isInteger(code) ||
          code < DISCONNECT_CODES.min ||
          code > DISCONNECT_CODES.max
        )
          throw badRequest(
            `\`code\` must be an integer from ${DISCONNECT_CODES.min} to ${DISCONNECT_CODES.max} (4000: do not reconnect)`,
          );
        const reason = b.reason ?? "disconnected by the server";
        if (typeof reason !== "string" || Buffer.byteLength(reason) > MAX_REASON_BYTES)
          throw badRequest(`\`reason\` must be a string of at most ${MAX_REASON_BYTES} bytes`);
        const g = await d.control.gather(
          { kind: COMMAND.disconnect, body: { user, code, reason } },
          d.controlTimeoutMs,
        );
        const connections = sumOf(g, "connections");
        d.log.info({ user, connections, key: callerOf(res)?.name }, "api: user disconnected");
        res.json({ user, connections, ...reachOf(g) });
      } catch (err) {
        fail(res, err, "disconnect");
      }
    },
  );

  r.post(
    "/v1/users/:user/unsubscribe",
    requireScope("admin"),
    body,
    async (req: Request, res: Response) => {
      try {
        const user = userParam(req);
        const b = bodyObject(req.body, '{"ch"}');
        if (!isChannel(b.ch)) throw badRequest(`\`ch\` must match ${CHANNEL_RULE}`);
        const ch = b.ch;
        const g = await d.control.gather(
          { kind: COMMAND.unsubscribe, body: { user, ch } },
          d.controlTimeoutMs,
        );
        const connections = sumOf(g, "connections");
        d.log.info({ user, ch, connections, key: callerOf(res)?.name }, "api: user unsubscribed");
        res.json({ user, ch, connections, ...reachOf(g) });
      } catch (err) {
        fail(res, err, "unsubscribe");
      }
    },
  );
  return r;
}
