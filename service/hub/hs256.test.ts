import { createHmac, createSecretKey } from "node:crypto";
import { jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { verifyHs256 } from "./hs256.js";

const SECRET = "hs256-test-secret-0123456789abcdef";
const key = createSecretKey(Buffer.from(SECRET));
const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) =>
  Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

/** A compact JWT with any header and payload, for the malformed cases jose would not sign. */
function sign(header: unknown, payload: unknown, secret = SECRET): string {
  const head = `${b64(header)}.${b64(payload)}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

/** jose's verdict for the same token: the reference the hand check must agree with. */
async function jose(token: string): Promise<"ok" | "invalid" | "expired"> {
  try {
    await jwtVerify(token, new TextEncoder().encode(SECRET), { algorithms: ["HS256"] });
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code === "ERR_JWT_EXPIRED" ? "expired" : "invalid";
  }
}

describe("verifyHs256", () => {
  const exp = now() + 60;
  const HS = { alg: "HS256", typ: "JWT" };
  const cases: [string, string][] = [
    ["well formed", sign(HS, { sub: "a", exp })],
    ["no typ", sign({ alg: "HS256" }, { sub: "a", exp, iat: now() })],
    ["expired", sign(HS, { sub: "a", exp: now() - 1 })],
    ["expires now", sign(HS, { sub: "a", exp: now() })],
    ["not before the future", sign(HS, { sub: "a", exp, nbf: now() + 30 })],
    ["not before the past", sign(HS, { sub: "a", exp, nbf: now() - 30 })],
    ["nbf a string", sign(HS, { sub: "a", exp, nbf: "0" })],
    ["iat a string", sign(HS, { sub: "a", exp, iat: "0" })],
    ["exp a string", sign(HS, { sub: "a", exp: String(exp) })],
    ["alg none", `${b64({ alg: "none" })}.${b64({ sub: "a", exp })}.`],
    ["alg HS512 header", sign({ alg: "HS512" }, { sub: "a", exp })],
    ["alg in lower case", sign({ alg: "hs256" }, { sub: "a", exp })],
    ["crit header", sign({ alg: "HS256", crit: ["exp"] }, { sub: "a", exp })],
    ["another secret", sign(HS, { sub: "a", exp }, `${SECRET}x`)],
    ["payload an array", sign(HS, [1, 2])],
    ["payload not JSON", sign(HS, "{not json")],
    ["header not JSON", sign("{not json", { sub: "a", exp })],
    ["four parts", `${sign(HS, { sub: "a", exp })}.x`],
    ["two parts", `${b64(HS)}.${b64({ sub: "a", exp })}`],
    ["truncated signature", sign(HS, { sub: "a", exp }).slice(0, -4)],
  ];
  it.each(cases)("agrees with jose on %s", async (_what, token) => {
    const mine = verifyHs256(token, key, now());
    expect(mine.ok ? "ok" : mine.reason).toBe(await jose(token));
  });

  it("refuses a changed payload under the old signature", () => {
    const token = sign(HS, { sub: "a", exp });
    const [h, , s] = token.split(".");
    const forged = `${h}.${b64({ sub: "admin", exp })}.${s}`;
    expect(verifyHs256(forged, key, now())).toEqual({ ok: false, reason: "invalid" });
    expect(verifyHs256(token, key, now())).toMatchObject({ ok: true, payload: { sub: "a", exp } });
  });

  it("refuses base64 padding, which jose forgives and no issuer writes", () => {
    expect(verifyHs256(`${sign(HS, { sub: "a", exp })}=`, key, now())).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("refuses a token past its length bound before any work", () => {
    const huge = sign(HS, { sub: "a", exp, pad: "x".repeat(20_000) });
    expect(verifyHs256(huge, key, now())).toEqual({ ok: false, reason: "invalid" });
  });
});
