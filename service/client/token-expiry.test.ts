import { describe, expect, it } from "vitest";
import { jwtExpiryMs, refreshDelayMs } from "./token-expiry.js";

const b64url = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
const jwt = (claims: object) => `${b64url({ alg: "HS256" })}.${b64url(claims)}.sig`;

describe("token expiry", () => {
  it("reads exp from a JWT and ignores anything else", () => {
    expect(jwtExpiryMs(jwt({ sub: "u", exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
    expect(jwtExpiryMs(jwt({ sub: "u" }))).toBeUndefined();
    expect(jwtExpiryMs("not-a-jwt")).toBeUndefined();
    expect(jwtExpiryMs("a.%%%.c")).toBeUndefined();
  });

  it("refreshes a fifth of the remaining life before exp, at most a minute early", () => {
    expect(refreshDelayMs(100_000, 0)).toBe(80_000);
    expect(refreshDelayMs(3_600_000, 0)).toBe(3_540_000);
    expect(refreshDelayMs(0, 5_000)).toBe(0);
  });
});
