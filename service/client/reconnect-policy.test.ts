import { describe, expect, it } from "vitest";
import { decideAfterClose } from "./reconnect-policy.js";

const decide = (
  code: number,
  reason = "",
  more: { httpStatus?: number; canRefresh?: boolean } = {},
) => decideAfterClose({ code, reason, canRefresh: false, ...more });

describe("decideAfterClose", () => {
  it("reconnects after 1001 with the hub's retryAfterMs, or plain backoff without one", () => {
    expect(decide(1001, '{"retryAfterMs":1834}')).toEqual({
      action: "reconnect",
      retryAfterMs: 1834,
    });
    expect(decide(1001, "draining")).toEqual({ action: "reconnect" });
  });

  it("reconnects with backoff after 1006, 1011 and 1013", () => {
    for (const code of [1006, 1011, 1013]) expect(decide(code).action).toBe("reconnect");
  });

  it("refreshes the token after 1008 when it can, and stops otherwise", () => {
    expect(decide(1008, "", { canRefresh: true })).toEqual({ action: "refresh" });
    expect(decide(1008)).toMatchObject({ action: "stop", code: "token_expired" });
  });

  it("stops after 1009 and after a refused Origin", () => {
    expect(decide(1009)).toMatchObject({ action: "stop", code: "frame_too_big" });
    expect(decide(1006, "", { httpStatus: 403, canRefresh: true })).toMatchObject({
      code: "forbidden",
    });
  });

  it("treats an HTTP 401 upgrade like an expired token", () => {
    expect(decide(1006, "", { httpStatus: 401, canRefresh: true })).toEqual({ action: "refresh" });
    expect(decide(1006, "", { httpStatus: 401 })).toMatchObject({
      action: "stop",
      code: "unauthorized",
    });
  });

  it("keeps retrying a full node (HTTP 503)", () => {
    expect(decide(1006, "", { httpStatus: 503 })).toEqual({ action: "reconnect" });
  });
});
