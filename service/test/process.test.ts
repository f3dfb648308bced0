// The hub as a real process (node dist/service/main.js): refusing bad settings, draining on
// SIGTERM and exiting in time, exiting at once on a second signal, never logging tokens.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { OwnedProcess } from "../../loadtests/harness/child-process.js";
import {
  ensureHubBuilt,
  HUB_ENTRY,
  type HubProcess,
  REPO_ROOT,
  startHubProcess,
} from "../../loadtests/harness/hub-process.js";
import { parseGoingAway } from "../protocol/index.js";

const SECRET = "process-test-secret-0123456789abcdef";
const running: HubProcess[] = [];

beforeAll(() => ensureHubBuilt(), 180_000);
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.process.stop(2_000)));
});

/** Runs the hub with `env` until it exits by itself (bounded); its exit code and output. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HUB_ENTRY], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOST: "127.0.0.1", PORT: "0", INTERNAL_PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c));
    child.stderr.on("data", (c: Buffer) => (output += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function token(sub: string): Promise<string> {
  return new SignJWT({ channels: ["room:*"] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(SECRET));
}

function open(
  url: string,
): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.once("close", (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.once("message", () => resolve({ ws, closed }));
    ws.once("error", reject);
  });
}

describe("hub process", () => {
  it("refuses to start in production without auth, naming what to set (exit 2)", async () => {
    const r = await runToExit({ NODE_ENV: "production" });
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY/);
    expect(r.output).toMatch(/API_KEY/);
    expect(r.output).toMatch(/AUTH_DISABLED=true/);
  });

  it("refuses a bad API_KEYS_FILE, naming the entry and never printing a key (exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wshub-keys-"));
    const file = join(dir, "keys.json");
    const key = "short-key-never-printed";
    writeFileSync(file, JSON.stringify([{ name: "billing", key, scopes: ["publish", "write"] }]));
    const r = await runToExit({
      NODE_ENV: "production",
      AUTH_JWT_SECRET: SECRET,
      API_KEYS_FILE: file,
    });
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/API_KEYS entry 1 \("billing"\): `key` is shorter than 24/);
    expect(r.output).toMatch(/entry 1 \("billing"\): `scopes` must be/);
    expect(r.output).not.toContain(key);
  });

  it("names every invalid setting and exits 2", async () => {
    const r = await runToExit({ PORT: "http", MAX_SUBSCRIPTIONS: "-3" });
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/PORT/);
    expect(r.output).toMatch(/MAX_SUBSCRIPTIONS/);
    expect(r.output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("drains on SIGTERM: unready at once, 1001 with a retry hint, exit 0 within DRAIN + 2 s", async () => {
    const node = await startHubProcess({
      nodeId: "drain-1",
      env: { DRAIN_SECONDS: "2", SHUTDOWN_DELAY_SECONDS: "0.5" },
    });
    running.push(node);
    const clients = await Promise.all([1, 2, 3].map(() => open(node.wsUrl)));
    const t0 = Date.now();
    node.process.child.kill("SIGTERM");
    // Signal delivery is asynchronous: "at once" means well before the 0.5 s shutdown delay ends.
    await expect
      .poll(async () => (await fetch(`${node.internalUrl}/readyz`)).status, {
        timeout: 400,
        interval: 20,
      })
      .toBe(503);
    for (const c of clients) {
      const { code, reason } = await c.closed;
      // Not before the shutdown delay: endpoints may still route new clients here until then.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
      expect(code).toBe(1001);
      const hint = parseGoingAway(reason);
      expect(hint?.retryAfterMs).toBeGreaterThanOrEqual(0);
      expect(hint?.retryAfterMs).toBeLessThanOrEqual(2_000);
    }
    expect(await node.process.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(500 + 2_000 + 2_000);
  });

  it("drains at once on SIGINT (Ctrl-C): no wait for endpoints that do not exist", async () => {
    const node = await startHubProcess({
      nodeId: "drain-int",
      env: { DRAIN_SECONDS: "1", SHUTDOWN_DELAY_SECONDS: "30" },
    });
    running.push(node);
    const client = await open(node.wsUrl);
    const t0 = Date.now();
    node.process.child.kill("SIGINT");
    expect((await client.closed).code).toBe(1001);
    expect(await node.process.exited).toBe(0);
    // SIGTERM would have waited the 30 s shutdown delay first.
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("exits at once on a second signal", async () => {
    const node = await startHubProcess({
      nodeId: "drain-2",
      env: { DRAIN_SECONDS: "30", SHUTDOWN_DELAY_SECONDS: "30" },
    });
    running.push(node);
    node.process.child.kill("SIGTERM");
    await expect.poll(async () => (await fetch(`${node.internalUrl}/readyz`)).status).toBe(503);
    const t0 = Date.now();
    node.process.child.kill("SIGINT");
    expect(await node.process.exited).not.toBe(0);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it("never logs a token, even at debug level", async () => {
    const node = await startHubProcess({
      nodeId: "logs-1",
      env: { AUTH_JWT_SECRET: SECRET, API_KEY: "k".repeat(32), LOG_LEVEL: "debug" },
    });
    running.push(node);
    const jwt = await token("alice");
    const c = await open(`${node.wsUrl}?token=${jwt}`);
    c.ws.send(JSON.stringify({ op: "refresh", token: jwt }));
    c.ws.close();
    await c.closed;
    const bad = new WebSocket(`${node.wsUrl}?token=${jwt}x`);
    await new Promise((r) => bad.once("error", r));
    await node.process.stop(5_000);
    const proc: OwnedProcess = node.process;
    expect(proc.output()).toMatch(/hub node listening/);
    expect(proc.output()).not.toContain(jwt.split(".")[2]);
    expect(proc.output()).not.toContain(SECRET);
  });
});
