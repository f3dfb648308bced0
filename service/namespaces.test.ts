import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("NAMESPACES", () => {
  it("gives each namespace its options and everything else the global settings", () => {
    const c = loadConfig({
      HISTORY_SIZE: "50",
      HISTORY_TTL_SECONDS: "600",
      NAMESPACES: JSON.stringify({
        chat: { presence: true, joinLeave: true, history: { size: 10, ttlSeconds: 30 } },
        feed: { clientPublish: false, history: false, recover: false },
      }),
    });
    expect(c.channels.of("chat:1")).toEqual({
      history: { size: 10, ttlSeconds: 30 },
      presence: true,
      joinLeave: true,
      clientPublish: true,
      recover: true,
    });
    expect(c.channels.of("feed:x:y")).toMatchObject({
      history: false,
      clientPublish: false,
      recover: false,
      presence: false,
    });
    const global = { history: { size: 50, ttlSeconds: 600 }, presence: false, joinLeave: false };
    expect(c.channels.of("room:1")).toMatchObject(global);
    // Only the part before the first ":" names the namespace.
    expect(c.channels.of("chat")).toMatchObject(global);
    expect(c.channels.of("x:chat:1")).toMatchObject(global);
    expect(c.channels.anyPresence).toBe(true);
  });

  it("names the namespace and the option of every bad entry", () => {
    const msg = errorOf({
      NAMESPACES: JSON.stringify({
        chat: { presence: "yes" },
        feed: { history: { size: 0, ttlSeconds: 5 } },
        news: { histroy: false },
      }),
    });
    expect(msg).toMatch(/NAMESPACES: namespace "chat", option "presence"/);
    expect(msg).toMatch(/NAMESPACES: namespace "feed", option "history/);
    expect(msg).toMatch(/NAMESPACES: namespace "news".*histroy/);
  });

  it("refuses joinLeave without presence, a namespace with ':' and text that is not JSON", () => {
    expect(errorOf({ NAMESPACES: '{"chat":{"joinLeave":true}}' })).toMatch(
      /namespace "chat", option "joinLeave" needs "presence": true/,
    );
    expect(errorOf({ NAMESPACES: '{"a:b":{}}' })).toMatch(
      /namespace "a:b" is not a channel prefix/,
    );
    expect(errorOf({ NAMESPACES: "{chat" })).toMatch(/NAMESPACES: not valid JSON/);
    expect(errorOf({ NAMESPACES: "[]" })).toMatch(/NAMESPACES/);
  });

  it("reads NAMESPACES_FILE, refuses both forms at once and a missing file", () => {
    const dir = mkdtempSync(join(tmpdir(), "ns-"));
    const file = join(dir, "namespaces.json");
    writeFileSync(file, '{"chat":{"presence":true}}');
    expect(loadConfig({ NAMESPACES_FILE: file }).channels.of("chat:1").presence).toBe(true);
    expect(errorOf({ NAMESPACES_FILE: file, NAMESPACES: "{}" })).toMatch(/both set/);
    expect(errorOf({ NAMESPACES_FILE: join(dir, "missing.json") })).toMatch(
      /NAMESPACES_FILE cannot be read \(ENOENT\)/,
    );
    writeFileSync(file, '{"chat":{"presence":1}}');
    expect(errorOf({ NAMESPACES_FILE: file })).toMatch(
      /NAMESPACES_FILE: namespace "chat", option "presence"/,
    );
  });

  it("reports a misspelt NAMESPACES as a likely typo", () => {
    expect(loadConfig({ NAMESPACE: "{}" }).unknownSettings).toEqual([
      "NAMESPACE (did you mean NAMESPACES?)",
    ]);
  });
});
