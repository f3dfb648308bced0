import { describe, expect, it } from "vitest";
import { ERROR_CODES, isRetryable, RETRYABLE } from "./codes.js";
import { PROTOCOL_FEATURES, PROTOCOL_VERSION, parseClientFrame } from "./frames.js";
import { frameProblem, frameSchema } from "./testing/frame-schema.js";

describe("parseClientFrame (1.1)", () => {
  it("keeps the id of every op and accepts pong", () => {
    expect(parseClientFrame('{"op":"sub","ch":"a","id":"s1"}')).toEqual({
      ok: true,
      frame: { op: "sub", ch: "a", id: "s1" },
    });
    expect(parseClientFrame('{"op":"unsub","ch":"a","id":"u1"}')).toMatchObject({
      frame: { id: "u1" },
    });
    expect(parseClientFrame('{"op":"refresh","token":"t","id":"r1"}')).toMatchObject({
      frame: { id: "r1" },
    });
    expect(parseClientFrame('{"op":"pong"}')).toEqual({ ok: true, frame: { op: "pong" } });
  });

  it("names the id and channel of a refused frame, and never echoes an invalid id", () => {
    expect(parseClientFrame('{"op":"pub","ch":"a","id":"p1"}')).toMatchObject({
      ok: false,
      code: "bad_request",
      id: "p1",
      ch: "a",
    });
    const long = "x".repeat(200);
    const r = parseClientFrame(`{"op":"nope","id":"${long}"}`);
    expect(r).toMatchObject({ ok: false, code: "unknown_op" });
    expect((r as { id?: string }).id).toBeUndefined();
  });
});

describe("frames.schema.json", () => {
  it("lists exactly the error codes of the retryable table", () => {
    expect([...frameSchema.definitions.errorCode.enum].sort()).toEqual([...ERROR_CODES].sort());
    expect(Object.keys(RETRYABLE).sort()).toEqual([...ERROR_CODES].sort());
    expect(isRetryable("publish_outcome_unknown")).toBe(true);
    expect(isRetryable("rate_limited")).toBe(true);
    expect(isRetryable("forbidden")).toBe(false);
    expect(isRetryable("no_such_code")).toBe(false);
  });

  it("accepts the documented frames and refuses undocumented fields", () => {
    const hello = {
      op: "hello",
      node: "n",
      conn: "c",
      version: PROTOCOL_VERSION,
      features: [...PROTOCOL_FEATURES],
    };
    expect(frameProblem("server", hello)).toBeUndefined();
    expect(
      frameProblem("server", {
        op: "error",
        code: "unavailable",
        message: "m",
        retryable: true,
        id: "p",
        ch: "a",
      }),
    ).toBeUndefined();
    expect(
      frameProblem("server", { op: "error", code: "unavailable", message: "m" }),
    ).toBeDefined();
    expect(
      frameProblem("server", { op: "subscribed", ch: "a", seq: 0, epoch: "e", extra: 1 }),
    ).toBeDefined();
    expect(
      frameProblem("client", { op: "sub", ch: "a", id: "s1", since: 3, epoch: "e" }),
    ).toBeUndefined();
    expect(frameProblem("client", { op: "sub", ch: "bad channel" })).toBeDefined();
    expect(frameProblem("client", { op: "pong" })).toBeUndefined();
    expect(frameProblem("server", { op: "move" })).toBeUndefined();
    expect(frameProblem("server", { op: "move", retryAfterMs: 1500 })).toBeUndefined();
    expect(frameProblem("server", { op: "move", retryAfterMs: -1 })).toBeDefined();
  });
});
