import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ApiKeyring, keyringSource, parseApiKeys } from "./api-keys.js";
import { loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";

const STRONG = "k".repeat(24);
const lax = { production: false, minLength: 24 };

function problem(text: string, production = false): string {
  try {
    parseApiKeys(text, { production, minLength: 24 });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("API keys", () => {
  it("parses named keys with scopes", () => {
    const keys = parseApiKeys(
      JSON.stringify([
        { name: "billing", key: "secret-one", scopes: ["publish"] },
        { name: "ops", key: "secret-two", scopes: ["read", "admin", "read"] },
      ]),
      lax,
    );
    expect(keys).toEqual([
      { name: "billing", key: "secret-one", scopes: ["publish"] },
      { name: "ops", key: "secret-two", scopes: ["read", "admin"] },
    ]);
  });

  it("names every bad entry by position and name, never printing a key", () => {
    const secret = "do-not-print-this-key-0123456789";
    const message = problem(
      JSON.stringify([
        { name: "a", key: secret, scopes: ["publish"] },
        { name: "a", key: "other-key", scopes: ["write"] },
        { name: "c", key: secret, scopes: ["read"] },
        { name: "bad name!", key: "x", scopes: [] },
        { name: "e", key: "y", scopes: ["read"], extra: 1 },
      ]),
    );
    expect(message).toMatch(/entry 2 \("a"\): the name is also used by entry 1/);
    expect(message).toMatch(/entry 2 \("a"\): `scopes` must be/);
    expect(message).toMatch(/entry 3 \("c"\): the key is the same as entry 1's/);
    expect(message).toMatch(/entry 4: `name` must be/);
    expect(message).toMatch(/entry 5 \("e"\): unknown field "extra"/);
    expect(message).not.toContain(secret);
    expect(problem("not json")).toMatch(/API_KEYS is not JSON/);
    expect(problem("[]")).toMatch(/list of 1 to/);
  });

  it("refuses keys under 24 characters in production only, naming the entry", () => {
    const text = JSON.stringify([{ name: "short", key: "tiny-key", scopes: ["read"] }]);
    expect(problem(text, true)).toMatch(/entry 1 \("short"\): `key` is shorter than 24/);
    expect(problem(text, true)).not.toContain("tiny-key");
    expect(parseApiKeys(text, lax)).toHaveLength(1);
  });

  it("finds the key a request presents and nothing else", () => {
    const ring = new ApiKeyring([
      { name: "pub", key: "key-one", scopes: ["publish"] },
      { name: "adm", key: "key-two", scopes: ["admin"] },
    ]);
    expect(ring.open).toBe(false);
    expect(ring.find("key-one")?.name).toBe("pub");
    expect([...(ring.find("key-two")?.scopes ?? [])]).toEqual(["admin"]);
    expect(ring.find("key-on")).toBeUndefined();
    expect(ring.find("")).toBeUndefined();
    expect(new ApiKeyring([]).open).toBe(true);
  });

  it("gives API_KEY every scope beside API_KEYS and keeps the last good keys on a bad rotation", () => {
    let list = JSON.stringify([{ name: "reader", key: "reader-key", scopes: ["read"] }]);
    const bad: string[] = [];
    const ring = keyringSource(
      { apiKey: { read: () => "all-key" }, apiKeys: { read: () => list } },
      { ...lax, onBad: (m) => bad.push(m) },
    );
    expect([...(ring().find("all-key")?.scopes ?? [])].sort()).toEqual([
      "admin",
      "publish",
      "read",
    ]);
    expect(ring().find("reader-key")?.name).toBe("reader");
    list = "[{broken";
    expect(ring().find("reader-key")?.name).toBe("reader");
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/API_KEYS is not JSON/);
  });

  it("is validated at start from API_KEYS_FILE, and is enough API auth for production", () => {
    const dir = mkdtempSync(join(tmpdir(), "wshub-keys-"));
    const file = join(dir, "keys.json");
    writeFileSync(file, JSON.stringify([{ name: "backend", key: STRONG, scopes: ["publish"] }]));
    const env = { NODE_ENV: "production", AUTH_JWT_SECRET: "s".repeat(32), API_KEYS_FILE: file };
    expect(loadConfig(env).secrets.API_KEYS?.source).toBe("file");
    writeFileSync(file, JSON.stringify([{ name: "backend", key: "short", scopes: ["publish"] }]));
    expect(() => loadConfig(env)).toThrow(
      /API_KEYS entry 1 \("backend"\): `key` is shorter than 24/,
    );
  });
});
