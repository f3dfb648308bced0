// The server API on the public port: each route group in its own file, each guarded by
// requireScope. docs/api.yaml describes every route; tests hold the answers to it.
import type { Router } from "express";
import { channelRoutes } from "./channel-routes.js";
import type { ApiDeps } from "./deps.js";
import { nodeRoutes } from "./node-routes.js";
import { publishRoutes } from "./publish-routes.js";
import { userRoutes } from "./user-routes.js";

export type { ApiDeps } from "./deps.js";
export { describeFailure, sendError } from "./http-error.js";
export { MAX_BROADCAST_CHANNELS } from "./publish-routes.js";
export { callerOf, installApiKeys, type KeyCheck, requireScope } from "./scopes.js";

/** Every route group of the server API, in mount order. */
export function apiRouters(d: ApiDeps): Router[] {
  return [publishRoutes(d), channelRoutes(d), userRoutes(d), nodeRoutes(d)];
}
