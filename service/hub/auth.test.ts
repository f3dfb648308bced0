import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it, vi } from "vitest";
import type { Secret } from "../config.js";
import { type Claims, createAuthenticator, mayUse } from "./auth.js";

const SECRET = "auth-test-secret-0123456789abcdef";
const now = () => Math.floor(Date.now() / 1000);

function envSecret(value: string): Secret {
  return { source: "env", read: () => value };
}

function hs(payload: Record<string, unknown>, alg = "HS256", secret = SECRET): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
}

describe("createAuthenticator", () => {
  it("is disabled without a key", async () => {
    const auth = createAuthenticator({});
    expect(auth.enabled).toBe(false);
    expect((await auth.verify("anything")).ok).toBe(false);
  });

  it("accepts an HS256 token and returns sub, exp and channels", async () => {
    const auth = createAuthenticator({ secret: envSecret(SECRET) });
    const exp = now() + 60;
    const r = await auth.verify(await hs({ sub: "alice", exp, channels: ["room:*"], extra: 1 }));
    expect(r).toEqual({ ok: true, claims: { sub: "alice", exp, channels: ["room:*"] } });
    const noChannels = await auth.verify(await hs({ sub: "bob", exp }));
    expect(noChannels).toEqual({ ok: true, claims: { sub: "bob", exp } });
  });

  it.each(["RS256", "ES256"] as const)("accepts a %s token with a PEM public key", async (alg) => {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    const auth = createAuthenticator({ publicKey: envSecret(await exportSPKI(publicKey)) });
    const token = await new SignJWT({ channels: ["news"] })
      .setProtectedHeader({ alg })
      .setSubject("carol")
      .setExpirationTime(now() + 60)
      .sign(privateKey);
    expect(await auth.verify(token)).toMatchObject({
      ok: true,
      claims: { sub: "carol", channels: ["news"] },
    });
    // Signed by another key of the same kind: refused.
    const other = await generateKeyPair(alg);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg })
      .setSubject("carol")
      .setExpirationTime(now() + 60)
      .sign(other.privateKey);
    expect(await auth.verify(forged)).toMatchObject({ ok: false, reason: "invalid" });
  });

  it("refuses an HS256 token signed with the PEM text when a public key is configured", async () => {
    const { publicKey } = await generateKeyPair("RS256");
    const pem = await exportSPKI(publicKey);
    const auth = createAuthenticator({ publicKey: envSecret(pem) });
    const confused = await hs({ sub: "mallory", exp: now() + 60 }, "HS256", pem);
    expect(await auth.verify(confused)).toMatchObject({ ok: false, reason: "invalid" });
  });

  it("refuses a wrong algorithm, a wrong signature, an expired token and bad claims", async () => {
    const auth = createAuthenticator({ secret: envSecret(SECRET) });
    const exp = now() + 60;
    const cases: [string, string, Promise<string> | string][] = [
      ["HS512 instead of HS256", "invalid", hs({ sub: "a", exp }, "HS512")],
      ["another secret", "invalid", hs({ sub: "a", exp }, "HS256", `${SECRET}x`)],
      ["expired", "expired", hs({ sub: "a", exp: now() - 10 })],
      ["no sub", "invalid", hs({ exp })],
      ["empty sub", "invalid", hs({ sub: "", exp })],
      ["no exp", "invalid", hs({ sub: "a" })],
      ["channels not a list", "invalid", hs({ sub: "a", exp, channels: "room:*" })],
      ["channels with a number", "invalid", hs({ sub: "a", exp, channels: ["a", 1] })],
      ["not a JWT", "invalid", "not-a-jwt"],
      ["unsigned", "invalid", `${btoa('{"alg":"none"}')}.${btoa(`{"sub":"a","exp":${exp}}`)}.`],
      ["empty", "missing", ""],
    ];
    for (const [what, reason, token] of cases) {
      const r = await auth.verify(await token);
      expect(r, what).toMatchObject({ ok: false, reason, message: expect.any(String) });
    }
    expect(await auth.verify(undefined)).toMatchObject({ ok: false, reason: "missing" });
  });

  it("uses a rotated key as soon as its secret returns it", async () => {
    let current = SECRET;
    const auth = createAuthenticator({ secret: { source: "file", read: () => current } });
    const old = await hs({ sub: "a", exp: now() + 60 });
    expect((await auth.verify(old)).ok).toBe(true);
    current = "rotated-secret-0123456789abcdef";
    expect((await auth.verify(old)).ok).toBe(false);
    expect((await auth.verify(await hs({ sub: "a", exp: now() + 60 }, "HS256", current))).ok).toBe(
      true,
    );
  });
});

describe("createAuthenticator's HS256 check", () => {
  it("runs without WebCrypto: its job dispatch costs a reconnect storm 100+ µs per client", async () => {
    const auth = createAuthenticator({ secret: envSecret(SECRET) });
    const token = await hs({ sub: "a", exp: now() + 60 });
    const verify = vi.spyOn(crypto.subtle, "verify");
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    try {
      for (let i = 0; i < 3; i++) expect((await auth.verify(token)).ok).toBe(true);
      expect((await auth.verify(`${token.slice(0, -2)}AA`)).ok).toBe(false);
      expect(verify).not.toHaveBeenCalled();
      expect(importKey).not.toHaveBeenCalled();
    } finally {
      verify.mockRestore();
      importKey.mockRestore();
    }
  });
});

describe("mayUse", () => {
  const alice = (channels?: string[]): Claims =>
    channels ? { sub: "alice", exp: 0, channels } : { sub: "alice", exp: 0 };

  it("opens everything when auth is off", () => {
    expect(mayUse(undefined, "user:bob")).toBe(true);
    expect(mayUse(undefined, "room:1")).toBe(true);
  });

  it("gives user:<sub> to its owner only, whatever the globs say", () => {
    expect(mayUse(alice(), "user:alice")).toBe(true);
    expect(mayUse(alice(["*"]), "user:bob")).toBe(false);
    expect(mayUse(alice(["user:*"]), "user:bob")).toBe(false);
    expect(mayUse(alice(), "user:alice2")).toBe(false);
  });

  it("matches channel globs: * any run, ? one character, everything else literal", () => {
    const c = alice(["room:*", "news", "dm.?", "a.b"]);
    expect(mayUse(c, "room:1")).toBe(true);
    expect(mayUse(c, "room:lobby:2")).toBe(true);
    expect(mayUse(c, "rooms")).toBe(false);
    expect(mayUse(c, "xroom:1")).toBe(false);
    expect(mayUse(c, "news")).toBe(true);
    expect(mayUse(c, "newsroom")).toBe(false);
    expect(mayUse(c, "dm.1")).toBe(true);
    expect(mayUse(c, "dm.12")).toBe(false);
    expect(mayUse(c, "axb")).toBe(false);
    expect(mayUse(c, "a.b")).toBe(true);
  });

  it("gives a token without channels nothing but its own user channel", () => {
    expect(mayUse(alice(), "room:1")).toBe(false);
    expect(mayUse(alice([]), "room:1")).toBe(false);
  });
});
