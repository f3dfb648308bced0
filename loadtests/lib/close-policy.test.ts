import { describe, expect, it } from "vitest";
import {
  backoffDelay as sdkBackoff,
  retryAfterDelay as sdkRetryAfter,
} from "../../service/client/backoff.js";
import { CLOSE, shouldReconnect } from "../../service/protocol/index.js";
import { BACKOFF, backoffDelay, closeAction, retryAfterDelay } from "./close-policy.js";

describe("closeAction", () => {
  it("agrees with the hub's close-code table on every code it names and on unknown ones", () => {
    const codes = [...Object.values(CLOSE).map((c) => c.code), 1006, 1012, 4000, 4999];
    for (const code of codes) {
      expect(closeAction(code, "").reconnect, `code ${code}`).toBe(shouldReconnect(code));
    }
  });

  it("honours retryAfterMs of a 1001 and ignores a reason that is not the hint", () => {
    expect(closeAction(1001, '{"retryAfterMs":1500}')).toEqual({
      reconnect: true,
      retryAfterMs: 1500,
    });
    expect(closeAction(1001, "shutdown")).toEqual({ reconnect: true });
    expect(closeAction(1001, '{"retryAfterMs":-1}')).toEqual({ reconnect: true });
  });

  it("tells 1013 (come back) from 1008 (stop) apart", () => {
    expect(closeAction(1013, "").reconnect).toBe(true);
    expect(closeAction(1008, "").reconnect).toBe(false);
  });
});

describe("backoff", () => {
  it("is the SDK's full-jitter exponential backoff with its cap", () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      for (const attempt of [0, 1, 3, 6, 40]) {
        expect(backoffDelay(attempt, () => r)).toBe(sdkBackoff(attempt, BACKOFF, () => r));
      }
    }
    expect(backoffDelay(40, () => 0.999)).toBeLessThan(BACKOFF.maxMs);
  });

  it("never retries a drained client earlier than the hub asked", () => {
    for (const r of [0, 0.5, 0.999]) {
      expect(retryAfterDelay(2000, () => r)).toBe(sdkRetryAfter(2000, () => r));
      expect(retryAfterDelay(2000, () => r)).toBeGreaterThanOrEqual(2000);
    }
  });
});
