// The JSON body of an API request: parsed by express.json within MAX_PAYLOAD_BYTES, then
// required to be an object.
import express, { type RequestHandler } from "express";
import { badRequest } from "./http-error.js";

/** Parses `application/json` bodies up to `limit` bytes (malformed ones become a 400). */
export function jsonBody(limit: number): RequestHandler {
  return express.json({ limit, strict: false });
}

/** The body as an object, or a 400 naming the fields `shape` lists. */
export function bodyObject(body: unknown, shape: string): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest(`send a JSON object ${shape} with Content-Type: application/json`);
  return body as Record<string, unknown>;
}
