// The shipped bundle in real Chromium against real hub processes on one Redis: publish and
// receive, resume on another node after a SIGKILL with recovered:true and no gap, and a frozen
// node (SIGSTOP) noticed within the client's heartbeat bound. On failure the page's screenshot
// and console are kept under reports/browser/.
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import {
  type HubProcess,
  REPO_ROOT,
  startHubProcess,
} from "../../../../loadtests/harness/hub-process.js";
import { type RunningRedis, startRedis } from "../../../../loadtests/harness/redis.js";
import { launchChromium } from "./chromium.js";
import { BUNDLE } from "./global-setup.js";

const HEARTBEAT_TIMEOUT_MS = 3_000;
const REPORTS = join(REPO_ROOT, "reports/browser");

let redis: RunningRedis;
let nodes: HubProcess[] = [];
let server: Server;
let browser: BrowserContext;
let page: Page;
const consoleLines: string[] = [];
const stopped = new Set<HubProcess>();

type PageState = {
  events: { name: string; at: number; node?: string; recovered?: boolean; code?: number }[];
  messages: { ch: string; seq: number; data: unknown }[];
  errors: string[];
};

function state(): Promise<PageState> {
  return page.evaluate(() => (window as unknown as { hub: { state: PageState } }).hub.state);
}

async function until<T>(
  what: string,
  fn: (s: PageState) => T | undefined | false,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await state();
    const v = fn(s);
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${ms} ms; events ${JSON.stringify(s.events.slice(-6))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function nodeOf(id: string): HubProcess {
  const n = nodes.find((x) => x.nodeId === id);
  if (!n) throw new Error(`no node ${id}`);
  return n;
}

async function publishOver(node: HubProcess, ch: string, data: unknown): Promise<number> {
  const res = await fetch(`${node.httpUrl}/v1/publish`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ch, data }),
    signal: AbortSignal.timeout(5_000),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { seq: number }).seq;
}

beforeAll(async () => {
  redis = await startRedis();
  const env = { HEARTBEAT_SECONDS: "1", HISTORY_SIZE: "1000" };
  nodes = await Promise.all(
    ["a", "b", "c"].map((n) =>
      startHubProcess({ nodeId: `browser-${n}`, redisUrl: redis.url, env }),
    ),
  );
  const html = readFileSync(join(import.meta.dirname, "page.html"));
  const bundle = readFileSync(BUNDLE);
  server = createServer((req, res) => {
    const js = req.url === "/wshub-client.min.js";
    res.writeHead(200, { "content-type": js ? "text/javascript" : "text/html" });
    res.end(js ? bundle : html);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => (window as unknown as { hubReady?: boolean }).hubReady === true);
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== "fail" || !page) return;
  await mkdir(REPORTS, { recursive: true });
  const name = ctx.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  await page.screenshot({ path: join(REPORTS, `${name}.png`) }).catch(() => undefined);
  await writeFile(join(REPORTS, `${name}.console.log`), consoleLines.join("\n"));
});

afterAll(async () => {
  for (const n of stopped) n.process.child.kill("SIGCONT");
  await page
    ?.evaluate(() => (window as unknown as { hub: { close(): Promise<void> } }).hub.close())
    .catch(() => undefined);
  await browser?.close();
  await new Promise((r) => server?.close(r));
  await Promise.all(nodes.map((n) => n.stop()));
  await redis?.stop();
});

it("subscribes, publishes and receives, resumes on another node after a SIGKILL, and leaves a frozen node within its heartbeat bound", async () => {
  const urls = nodes.map((n) => n.wsUrl);
  const hello = (await page.evaluate(
    ([u, t]) =>
      (window as unknown as { hub: { start(u: unknown, o: unknown): Promise<unknown> } }).hub.start(
        u,
        { heartbeatTimeoutMs: t, backoff: { initialMs: 50, maxMs: 200 } },
      ),
    [urls, HEARTBEAT_TIMEOUT_MS] as const,
  )) as { node: string };
  expect(hello.node).toBe("browser-a");
  const sub = await page.evaluate(() =>
    (window as unknown as { hub: { subscribe(c: string): Promise<unknown> } }).hub.subscribe(
      "room:browser",
    ),
  );
  expect(sub).toEqual({ ch: "room:browser", seq: 0, epoch: expect.any(String) });
  const ok = await page.evaluate(() =>
    (
      window as unknown as { hub: { publish(c: string, d: unknown): Promise<{ seq: number }> } }
    ).hub.publish("room:browser", "from the page"),
  );
  expect(ok.seq).toBe(1);
  await until("its own message", (s) => s.messages.length === 1);

  // SIGKILL the node the page is on; messages published meanwhile on another node.
  const first = nodeOf(hello.node);
  first.process.child.kill("SIGKILL");
  for (let i = 2; i <= 6; i++)
    expect(await publishOver(nodeOf("browser-c"), "room:browser", i)).toBe(i);
  const resumed = await until("the resume on another node", (s) =>
    s.events.find((e) => e.name === "subscribed" && e.recovered !== undefined),
  );
  expect(resumed.recovered).toBe(true);
  const second = (await until(
    "the second open",
    (s) => s.events.filter((e) => e.name === "open")[1],
  )) as { node: string };
  expect(second.node).not.toBe(hello.node);
  await until("six messages", (s) => s.messages.length === 6);
  expect((await state()).messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);

  // Freeze the node it is on now: no close, no frame, no ping. The page must notice and move.
  const frozen = nodeOf(second.node);
  stopped.add(frozen);
  const closesBefore = (await state()).events.filter((e) => e.name === "close").length;
  const frozenAt = Date.now();
  frozen.process.child.kill("SIGSTOP");
  const close = await until(
    "the close of the frozen connection",
    (s) => s.events.filter((e) => e.name === "close")[closesBefore],
  );
  // Noticed within the bound (plus one check's scheduling slack), not at the OS's TCP timeout.
  expect(close.at - frozenAt).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + 1_500);
  const third = (await until(
    "the third open",
    (s) => s.events.filter((e) => e.name === "open")[2],
  )) as { node: string };
  expect(third.node).toBe("browser-c");
  expect(await publishOver(nodeOf("browser-c"), "room:browser", 7)).toBe(7);
  await until("the seventh message", (s) => s.messages.length === 7);
  const s = await state();
  expect(s.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  expect(s.events.filter((e) => e.name === "gap")).toEqual([]);
});
