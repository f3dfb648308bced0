// Who may call the server API: `Authorization: Bearer <key>` names a key (API_KEY or an entry
// of API_KEYS) and the key's scopes say which routes it may call. Every route group, the
// presence routes included, guards itself with requireScope(scope).
import type { Express, NextFunction, Request, RequestHandler, Response } from "express";
import type { ApiKeyIdentity, ApiKeyring, Scope } from "../../api-keys.js";
import { bearerToken } from "../auth.js";
import { sendError } from "./http-error.js";

/** What requireScope needs from the app, installed once by installApiKeys. */
export type KeyCheck = {
  keyring(): ApiKeyring;
  /** Counts a refused request: `api_key` (401) or `api_scope` (403). */
  refused(reason: "api_key" | "api_scope"): void;
};

const LOCALS_KEY = "wshubKeyCheck";

/** Makes the app's keys known to every requireScope() of its routers. */
export function installApiKeys(app: Express, check: KeyCheck): void {
  app.locals[LOCALS_KEY] = check;
}

/** The key that called, once requireScope let the request through (undefined: open API). */
export function callerOf(res: Response): ApiKeyIdentity | undefined {
  return res.locals.apiKey as ApiKeyIdentity | undefined;
}

/**
 * Lets a request through only with a key holding `scope`: 401 without a key or with an unknown
 * one, 403 with a key that lacks the scope. With no key configured (development) all pass.
 */
export function requireScope(scope: Scope): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const check = req.app.locals[LOCALS_KEY] as KeyCheck | undefined;
    if (!check) {
      sendError(res, "unavailable", "the API keys are not installed on this app: a hub bug");
      return;
    }
    const ring = check.keyring();
    if (ring.open) return next();
    const given = bearerToken(req.headers.authorization);
    const key = given === undefined ? undefined : ring.find(given);
    if (!key) {
      check.refused("api_key");
      sendError(res, "unauthorized", "send an API key as Authorization: Bearer <key>");
      return;
    }
    if (!key.scopes.has(scope)) {
      check.refused("api_scope");
      sendError(
        res,
        "forbidden",
        `the key "${key.name}" lacks the "${scope}" scope this route needs: use a key with it`,
      );
      return;
    }
    res.locals.apiKey = key;
    next();
  };
}
