// A route's failure answered one way everywhere: its code and message, counted by code, and an
// unexpected one (not a HubError) logged, since its message to the caller hides the cause.
import type { Response } from "express";
import type { ApiDeps } from "./deps.js";
import { describeFailure, sendError } from "./http-error.js";

/** Answers `err`, the failure of `what`, on `res`. */
export function answerFailure(
  d: Pick<ApiDeps, "log" | "metrics">,
  res: Response,
  err: unknown,
  what: string,
): void {
  const f = describeFailure(err);
  if (!f.known) d.log.error({ err: String(err) }, `${what} failed`);
  d.metrics.errors.inc({ code: f.code });
  sendError(res, f.code, f.message);
}
