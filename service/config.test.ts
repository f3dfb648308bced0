import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wshub-config-"));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      production: false,
      port: 8080,
      host: "0.0.0.0",
      redis: { mode: "memory" },
      redisMinReplicas: 0,
      authDisabled: false,
      allowedOrigins: undefined,
      maxPayloadBytes: 65_536,
      maxSubscriptions: 100,
      dedupeSeconds: 120,
      logLevel: "info",
      version: "dev",
      secrets: {},
    });
    expect(c.nodeId).toMatch(/^[A-Za-z0-9:_.-]{1,64}$/);
    for (const n of [
      c.maxConnections,
      c.maxConnectionsPerIp,
      c.maxPublishRate,
      c.slowConsumerBytes,
      c.heartbeatMs,
      c.historySize,
      c.historyTtlSeconds,
      c.drainMs,
    ]) {
      expect(n).toBeGreaterThan(0);
    }
    expect(c.shutdownDelayMs).toBeGreaterThanOrEqual(0);
  });

  it("converts seconds to ms and splits the origin list", () => {
    const c = loadConfig({
      HEARTBEAT_SECONDS: "0.1",
      DRAIN_SECONDS: "1.5",
      SHUTDOWN_DELAY_SECONDS: "0",
      ALLOWED_ORIGINS: " https://a.example ,https://b.example,, ",
      PORT: "0",
    });
    expect(c).toMatchObject({ heartbeatMs: 100, drainMs: 1_500, shutdownDelayMs: 0, port: 0 });
    expect(c.allowedOrigins).toEqual(["https://a.example", "https://b.example"]);
    expect(loadConfig({ ALLOWED_ORIGINS: " , " }).allowedOrigins).toBeUndefined();
  });

  it("reads TRUSTED_PROXIES as a hop count or a list of addresses, ranges and names", () => {
    expect(loadConfig({}).trustProxy).toBeUndefined();
    expect(loadConfig({ TRUSTED_PROXIES: "0" }).trustProxy).toBeUndefined();
    const hops = loadConfig({ TRUSTED_PROXIES: "1" }).trustProxy;
    expect([hops?.("10.1.2.3", 0), hops?.("10.1.2.3", 1)]).toEqual([true, false]);
    const list = loadConfig({ TRUSTED_PROXIES: " loopback, 10.0.0.0/8 ,192.0.2.7" }).trustProxy;
    expect(
      ["127.0.0.1", "10.9.9.9", "192.0.2.7", "192.0.2.8", "203.0.113.1"].map((a) => list?.(a, 0)),
    ).toEqual([true, true, true, false, false]);
  });

  it("refuses a TRUSTED_PROXIES it cannot read, saying what it takes", () => {
    for (const bad of ["10.0.0.0/33", "ingress", "99"]) {
      expect(() => loadConfig({ TRUSTED_PROXIES: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ TRUSTED_PROXIES: bad })).toThrow(/TRUSTED_PROXIES: .*hop count/);
    }
  });

  it("names every invalid setting in one error", () => {
    const bad = {
      PORT: "eighty",
      MAX_CONNECTIONS: "0",
      MAX_PAYLOAD_BYTES: "10",
      HEARTBEAT_SECONDS: "0.001",
      LOG_LEVEL: "loud",
      NODE_ID: "has spaces",
      REDIS_URL: "http://redis:6379",
      AUTH_DISABLED: "yes",
      DRAIN_SECONDS: "-1",
      MAX_PUBLISH_RATE: "1.5",
    };
    const err = configError(bad);
    for (const key of Object.keys(bad)) expect(err.message).toContain(`${key}:`);
  });

  it("never puts a setting's value in an error message (a mistyped REDIS_URL's password)", () => {
    const marker = "Hunter2Marker";
    const cases: NodeJS.ProcessEnv[] = [
      { REDIS_URL: `http://:${marker}@redis:6379` },
      { REDIS_URL: `redis://:${marker}@` },
      { REDIS_SENTINELS: `${marker}:x`, REDIS_SENTINEL_NAME: "m" },
      { TRUSTED_PROXIES: `${marker},10.0.0.0/8` },
      { API_KEY_FILE: join(dir, `${marker}-missing`) },
      { NODE_ENV: marker },
      { MAX_CONNECTIONS: marker },
      { NODE_ENV: "production", AUTH_JWT_SECRET: marker, API_KEY: marker },
      { AUTH_JWT_PUBLIC_KEY: `-----BEGIN PUBLIC KEY-----\n${marker}\n-----END PUBLIC KEY-----` },
    ];
    for (const env of cases) {
      const err = configError(env);
      expect(err.message).not.toContain(marker);
      expect(err.message).toMatch(/[A-Z_]{4,}/);
    }
  });

  it("accepts NODE_ENV exactly production, development or test", () => {
    for (const ok of ["production", "development", "test"]) {
      const env = { NODE_ENV: ok, AUTH_DISABLED: "true" };
      expect(loadConfig(env).production).toBe(ok === "production");
    }
    for (const bad of ["Production", "prod", "PRODUCTION", "staging", ""]) {
      expect(configError({ NODE_ENV: bad }).message).toMatch(/NODE_ENV:/);
    }
  });

  it("refuses weak secrets in production, naming each setting", () => {
    const strong = { AUTH_JWT_SECRET: "s".repeat(32), API_KEY: "k".repeat(24) };
    expect(loadConfig({ NODE_ENV: "production", ...strong }).production).toBe(true);
    const short = configError({ NODE_ENV: "production", AUTH_JWT_SECRET: "abc", API_KEY: "k" });
    expect(short.message).toMatch(/AUTH_JWT_SECRET is shorter than 32 bytes/);
    expect(short.message).toMatch(/API_KEY is shorter than 24 characters/);
    expect(
      configError({ NODE_ENV: "production", ...strong, AUTH_JWT_SECRET: "s".repeat(31) }).message,
    ).toMatch(/AUTH_JWT_SECRET/);
    // A key that is set is enforced even on an explicitly open hub, so it must be strong too.
    expect(
      configError({ NODE_ENV: "production", AUTH_DISABLED: "true", API_KEY: "k" }).message,
    ).toMatch(/API_KEY is shorter/);
    // Development keeps short secrets for local work.
    expect(loadConfig({ AUTH_JWT_SECRET: "abc", API_KEY: "k" }).production).toBe(false);
  });

  it("refuses a public key that does not parse, in every mode", () => {
    for (const env of [{}, { NODE_ENV: "production", API_KEY: "k".repeat(24) }]) {
      const err = configError({ ...env, AUTH_JWT_PUBLIC_KEY: "not a key" });
      expect(err.message).toMatch(/AUTH_JWT_PUBLIC_KEY is not a PEM public key/);
    }
  });

  it("refuses production without authentication, naming both settings", () => {
    const err = configError({ NODE_ENV: "production" });
    expect(err.message).toMatch(/AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY/);
    expect(err.message).toMatch(/API_KEY/);
    expect(err.message).toMatch(/AUTH_DISABLED=true/);
    const onlyKey = configError({ NODE_ENV: "production", API_KEY: "k".repeat(24) });
    expect(onlyKey.message).toMatch(/AUTH_JWT_SECRET/);
    expect(onlyKey.message).not.toMatch(/set API_KEY|and API_KEY/);
    expect(
      configError({ NODE_ENV: "production", AUTH_JWT_SECRET: "s".repeat(32) }).message,
    ).toMatch(/API_KEY or API_KEYS \(or their _FILE forms\)/);
    expect(
      loadConfig({
        NODE_ENV: "production",
        AUTH_JWT_SECRET: "s".repeat(32),
        API_KEY: "k".repeat(24),
      }),
    ).toMatchObject({ production: true, authDisabled: false });
    expect(loadConfig({ NODE_ENV: "production", AUTH_DISABLED: "true" })).toMatchObject({
      production: true,
      authDisabled: true,
    });
  });

  it("refuses a secret set both as NAME and NAME_FILE", () => {
    const file = join(dir, "key");
    writeFileSync(file, "from-file\n");
    const err = configError({ API_KEY: "inline", API_KEY_FILE: file });
    expect(err.message).toMatch(/API_KEY and API_KEY_FILE are both set/);
  });

  it("refuses an unreadable or empty NAME_FILE, naming the file", () => {
    const missing = join(dir, "nope");
    const err = configError({ AUTH_JWT_SECRET_FILE: missing });
    expect(err.message).toContain("AUTH_JWT_SECRET_FILE cannot be read");
    expect(err.message).toMatch(/ENOENT/);
    const empty = join(dir, "empty");
    writeFileSync(empty, "  \n");
    expect(configError({ REDIS_PASSWORD_FILE: empty }).message).toMatch(
      /REDIS_PASSWORD_FILE names an empty file/,
    );
  });

  it("reads a secret file, trims it and picks up a rotation within a second", () => {
    vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00Z") });
    const file = join(dir, "api-key");
    writeFileSync(file, "first\n");
    const secret = loadConfig({ API_KEY_FILE: file }).secrets.API_KEY;
    expect(secret).toMatchObject({ source: "file", path: file });
    expect(secret?.read()).toBe("first");
    writeFileSync(file, "second\n");
    // Cached for up to a second, so a hot path does not hit the disk per request.
    expect(secret?.read()).toBe("first");
    vi.advanceTimersByTime(1_000);
    expect(secret?.read()).toBe("second");
    // A file briefly missing or empty mid-rotation keeps the last good value.
    unlinkSync(file);
    vi.advanceTimersByTime(1_000);
    expect(secret?.read()).toBe("second");
    writeFileSync(file, "");
    vi.advanceTimersByTime(1_000);
    expect(secret?.read()).toBe("second");
    writeFileSync(file, "third");
    vi.advanceTimersByTime(1_000);
    expect(secret?.read()).toBe("third");
  });

  it("takes a secret from the environment as is", () => {
    const c = loadConfig({ AUTH_JWT_SECRET: "s3cret", REDIS_PASSWORD: "" });
    expect(c.secrets.AUTH_JWT_SECRET?.read()).toBe("s3cret");
    expect(c.secrets.AUTH_JWT_SECRET?.source).toBe("env");
    expect(c.secrets.REDIS_PASSWORD).toBeUndefined();
  });

  it("refuses both an HS256 secret and a public key", () => {
    expect(configError({ AUTH_JWT_SECRET: "s", AUTH_JWT_PUBLIC_KEY: "pem" }).message).toMatch(
      /not both/,
    );
  });

  it("parses REDIS_URL and REDIS_SENTINELS with their name", () => {
    expect(loadConfig({ REDIS_URL: "redis://r:6379/0" }).redis).toEqual({
      mode: "url",
      url: "redis://r:6379/0",
    });
    expect(
      loadConfig({
        REDIS_SENTINELS: "redis-0:26379, redis-1.svc:26380",
        REDIS_SENTINEL_NAME: "mymaster",
        REDIS_MIN_REPLICAS: "1",
      }),
    ).toMatchObject({
      redis: {
        mode: "sentinel",
        name: "mymaster",
        sentinels: [
          { host: "redis-0", port: 26379 },
          { host: "redis-1.svc", port: 26380 },
        ],
      },
      redisMinReplicas: 1,
    });
  });

  it("refuses malformed Redis settings with what to set", () => {
    expect(configError({ REDIS_SENTINELS: "redis-0:26379" }).message).toMatch(
      /REDIS_SENTINELS needs REDIS_SENTINEL_NAME/,
    );
    for (const entry of ["redis-0", "redis-0:0", "redis-0:70000", ":26379"]) {
      const err = configError({ REDIS_SENTINELS: `a:1,${entry}`, REDIS_SENTINEL_NAME: "m" });
      expect(err.message).toContain("entry 2 is not host:port");
    }
    expect(
      configError({
        REDIS_URL: "redis://r:6379",
        REDIS_SENTINELS: "a:1",
        REDIS_SENTINEL_NAME: "m",
      }).message,
    ).toMatch(/both set/);
    expect(configError({ REDIS_MIN_REPLICAS: "1" }).message).toMatch(
      /REDIS_MIN_REPLICAS needs REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES/,
    );
  });

  it("parses REDIS_CLUSTER_NODES, with REDIS_MIN_REPLICAS for each shard", () => {
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: "redis-0:6379, 10.0.0.7:7001", REDIS_MIN_REPLICAS: "1" }),
    ).toMatchObject({
      redis: {
        mode: "cluster",
        nodes: [
          { host: "redis-0", port: 6379 },
          { host: "10.0.0.7", port: 7001 },
        ],
      },
      redisMinReplicas: 1,
    });
  });

  it("refuses a cluster mixed with another topology, or a malformed node list", () => {
    for (const other of [
      { REDIS_URL: "redis://r:6379" },
      { REDIS_SENTINELS: "a:26379", REDIS_SENTINEL_NAME: "m" },
    ]) {
      const err = configError({ REDIS_CLUSTER_NODES: "a:6379", ...other });
      expect(err.message).toMatch(
        /REDIS_CLUSTER_NODES and REDIS_\w+ .*both set: choose one Redis topology/,
      );
    }
    expect(configError({ REDIS_CLUSTER_NODES: " " }).message).toMatch(
      /REDIS_CLUSTER_NODES is empty: list one or more cluster nodes/,
    );
    for (const entry of ["redis-0", "redis-0:0", "redis-0:70000", ":6379"]) {
      const err = configError({ REDIS_CLUSTER_NODES: `a:1,${entry}` });
      expect(err.message).toContain("REDIS_CLUSTER_NODES: entry 2 is not host:port");
    }
  });
});

describe("the settings and the deployment contract", () => {
  it("validates exactly the setting names the contract lists", async () => {
    const { HUB_SETTINGS } = await import("../contract/index.js");
    const { SETTING_NAMES } = await import("./config.js");
    expect([...SETTING_NAMES].sort()).toEqual([...HUB_SETTINGS].sort());
  });

  it("reports environment names that look like a setting but are none", () => {
    const c = loadConfig({ MAX_CONECTIONS: "5", PATH: "/bin", HISTORY_SIZ: "3" });
    expect(c.unknownSettings).toEqual([
      "HISTORY_SIZ (did you mean HISTORY_SIZE?)",
      "MAX_CONECTIONS (did you mean MAX_CONNECTIONS?)",
    ]);
    expect(c.maxConnections).toBe(10_000);
  });

  it("refuses one port for both the public and the internal side", () => {
    expect(() => loadConfig({ PORT: "9000", INTERNAL_PORT: "9000" })).toThrow(
      /INTERNAL_PORT and PORT are both 9000/,
    );
  });
});
