// The one error body of the HTTP API: `{ "error": "<what to do>", "code": "<stable code>" }`,
// with the status each code maps to. Every route answers its failures through here.
import type { Response } from "express";
import { HubError } from "../../errors.js";
import type { ErrorCode } from "../../protocol/index.js";

/** The HTTP status of each error code; 503 for any other. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  // Sent but unconfirmed: like a gateway timeout, the outcome is unknown; retry with the same id.
  publish_outcome_unknown: 504,
  too_many_channels: 503,
  unavailable: 503,
};

/** The status an error with `code` is answered with. */
export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 503;
}

/** Answers `{error, code}` with the code's status (and Retry-After on a 5xx). */
export function sendError(res: Response, code: ErrorCode, message: string): void {
  const status = statusOf(code);
  if (status >= 500) res.set("Retry-After", "1");
  res.status(status).json({ error: message, code });
}

/** A 400 `bad_request`: the input is wrong, the message says how. */
export function badRequest(message: string): HubError {
  return new HubError("bad_request", message);
}

/** The code and message of any failure: a HubError's own, anything else `unavailable`. */
export function describeFailure(err: unknown): {
  code: ErrorCode;
  message: string;
  known: boolean;
} {
  if (err instanceof HubError) return { code: err.code, message: err.message, known: true };
  return { code: "unavailable", message: "the hub could not do this: retry later", known: false };
}
