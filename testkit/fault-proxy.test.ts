import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FaultProxy } from "./fault-proxy.js";

let echo: Server;
const echoSockets = new Set<Socket>();
let echoPort: number;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(async () => {
  echo = createServer((s) => {
    echoSockets.add(s);
    s.on("close", () => echoSockets.delete(s));
    s.on("error", () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  echoPort = (echo.address() as { port: number }).port;
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const s of echoSockets) s.destroy();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

async function startProxy(): Promise<FaultProxy> {
  const proxy = await FaultProxy.start({ upstream: { host: "127.0.0.1", port: echoPort } });
  cleanups.push(() => proxy.close());
  return proxy;
}

async function dial(proxy: FaultProxy): Promise<Socket> {
  const socket = tcpConnect(proxy.address.port, "127.0.0.1");
  cleanups.push(() => void socket.destroy());
  await once(socket, "connect");
  return socket;
}

/** Resolves with the ms until `bytes` bytes came back, or rejects after `timeoutMs`. */
function receive(socket: Socket, bytes: number, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => {
      socket.off("data", onData);
      reject(new Error(`received ${got}/${bytes} bytes within ${timeoutMs} ms`));
    }, timeoutMs);
    function onData(chunk: Buffer): void {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= bytes) {
        clearTimeout(timer);
        socket.off("data", onData);
        resolve(Buffer.concat(chunks));
      }
    }
    socket.on("data", onData);
  });
}

async function roundTrip(socket: Socket, payload = Buffer.from("ping")): Promise<number> {
  const started = performance.now();
  const reply = receive(socket, payload.length);
  socket.write(payload);
  expect((await reply).equals(payload)).toBe(true);
  return performance.now() - started;
}

describe("FaultProxy", () => {
  it("passes a large payload through unchanged in both directions", async () => {
    const proxy = await startProxy();
    const socket = await dial(proxy);
    const payload = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 1) payload[i] = (i * 31) % 251;
    const reply = receive(socket, payload.length);
    socket.write(payload);
    expect((await reply).equals(payload)).toBe(true);
    expect(proxy.stats).toEqual({ open: 1, accepted: 1 });
  });

  it("adds latency on one stream and removes it at run time", async () => {
    const proxy = await startProxy();
    const socket = await dial(proxy);
    expect(await roundTrip(socket)).toBeLessThan(80);
    proxy.addToxic("lag", { type: "latency", latency: 150 }, "downstream");
    const slow = await roundTrip(socket);
    expect(slow).toBeGreaterThanOrEqual(145);
    expect(slow).toBeLessThan(400);
    proxy.removeToxic("lag");
    expect(await roundTrip(socket)).toBeLessThan(80);
  });

  it("keeps byte order under jitter", async () => {
    const proxy = await startProxy();
    proxy.addToxic("lag", { type: "latency", latency: 20, jitter: 20 });
    const socket = await dial(proxy);
    const parts = Array.from({ length: 40 }, (_, i) => Buffer.from(`<${i}>`));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const reply = receive(socket, total);
    for (const part of parts) {
      socket.write(part);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect((await reply).toString()).toBe(Buffer.concat(parts).toString());
  });

  it("limits bandwidth to the given KB/s", async () => {
    const proxy = await startProxy();
    proxy.addToxic("thin", { type: "bandwidth", rate: 100 }, "downstream");
    const socket = await dial(proxy);
    const payload = Buffer.alloc(50 * 1024, 7);
    const started = performance.now();
    const reply = receive(socket, payload.length);
    socket.write(payload);
    await reply;
    const elapsed = performance.now() - started;
    // 50 KB at 100 KB/s is 500 ms.
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(1500);
  });

  it("blackholes with timeout 0 and releases the held bytes when removed", async () => {
    const proxy = await startProxy();
    const socket = await dial(proxy);
    proxy.addToxic("hole", { type: "timeout", timeout: 0 });
    const reply = receive(socket, 5, 3000);
    socket.write("held!");
    await expect(receive(socket, 5, 300)).rejects.toThrow(/0\/5/);
    proxy.removeToxic("hole");
    expect((await reply).toString()).toBe("held!");
  });

  it("freezes the connections open now and lets new ones pass", async () => {
    const proxy = await startProxy();
    const old = await dial(proxy);
    expect(proxy.freezeOpen()).toBe(1);
    const fresh = await dial(proxy);
    fresh.write("new");
    expect((await receive(fresh, 3)).toString()).toBe("new");
    old.write("old");
    await expect(receive(old, 3, 300)).rejects.toThrow(/received 0\/3/);
    expect(old.destroyed).toBe(false);
    expect(proxy.stats.open).toBe(2);
  });

  it("closes the connection after the timeout toxic's delay", async () => {
    const proxy = await startProxy();
    const socket = await dial(proxy);
    const started = performance.now();
    proxy.addToxic("hole", { type: "timeout", timeout: 200 });
    await once(socket, "close");
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(proxy.stats.open).toBe(0);
  });

  it("resets open connections with reset_peer", async () => {
    const proxy = await startProxy();
    const socket = await dial(proxy);
    const errored = once(socket, "error");
    proxy.addToxic("rst", { type: "reset_peer" });
    const [error] = (await errored) as [NodeJS.ErrnoException];
    expect(error.code).toBe("ECONNRESET");
  });

  it("slices chunks into small pieces and still delivers every byte in order", async () => {
    const proxy = await startProxy();
    proxy.addToxic("slice", { type: "slicer", average_size: 8, size_variation: 4, delay: 100 });
    const socket = await dial(proxy);
    const payload = Buffer.from("abcdefghijklmnopqrstuvwxyz".repeat(20));
    const reply = receive(socket, payload.length);
    socket.write(payload);
    expect((await reply).equals(payload)).toBe(true);
  });

  it("refuses an invalid toxic with an error naming the field", async () => {
    const proxy = await startProxy();
    expect(() => proxy.addToxic("x", { type: "bandwidth", rate: 0 })).toThrow(/bandwidth.rate/);
    expect(() => proxy.addToxic("x", { type: "latency", latency: -1 })).toThrow(/latency/);
    expect(proxy.toxics()).toEqual([]);
  });

  it("refuses connections when the upstream picker has no endpoint, and closes cleanly", async () => {
    const proxy = await FaultProxy.start({ upstream: () => null });
    const socket = tcpConnect(proxy.address.port, "127.0.0.1");
    socket.on("error", () => {});
    await once(socket, "close");
    expect(proxy.stats.accepted).toBe(0);
    const { port } = proxy.address;
    await proxy.close();
    const refused = tcpConnect(port, "127.0.0.1");
    const [error] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    expect(error.code).toBe("ECONNREFUSED");
  });

  it("lets the kernel queue a storm of connections beyond Node's default backlog while busy", async () => {
    const proxy = await FaultProxy.start({ upstream: () => null });
    const arrivals = 800;
    // Another process connects while this one is blocked: only the kernel's queue can take them.
    const child = spawn(
      process.execPath,
      [
        "-e",
        `const net = require("node:net"); let n = 0;
         for (let i = 0; i < ${arrivals}; i++) {
           const s = net.connect(${proxy.address.port}, "127.0.0.1");
           s.on("connect", () => n++); s.on("error", () => {});
         }
         const t = setInterval(() => { if (n === ${arrivals}) done(); }, 20);
         const done = () => { clearInterval(t); console.log(n); process.exit(0); };
         setTimeout(done, 3000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c));
    const exited = once(child, "exit");
    // Busy for as long as the child needs, without running this process's event loop.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3500);
    await exited;
    await proxy.close();
    expect(Number(output.trim())).toBe(arrivals);
  });

  it("closes the client's connection when the upstream connect gets no answer in time", async () => {
    // An upstream that answers no SYN: a child whose accept queue (backlog 1) is full and whose
    // loop sleeps, as a killed container's address answers nothing.
    const child = spawn(
      process.execPath,
      [
        "-e",
        `const s = require("node:net").createServer();
         s.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
           process.stdout.write(String(s.address().port) + "\\n");
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 15000);
         });`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    cleanups.push(() => void child.kill("SIGKILL"));
    const [line] = (await once(child.stdout!, "data")) as [Buffer];
    const port = Number(line.toString().trim());
    const fillers: Socket[] = [];
    cleanups.push(() => {
      for (const f of fillers) f.destroy();
    });
    for (let i = 0; i < 4; i++) {
      const f = tcpConnect(port, "127.0.0.1");
      f.on("error", () => {});
      fillers.push(f);
    }
    const proxy = await FaultProxy.start({
      upstream: { host: "127.0.0.1", port },
      upstreamConnectTimeoutMs: 300,
    });
    cleanups.push(() => proxy.close());
    const socket = tcpConnect(proxy.address.port, "127.0.0.1");
    socket.on("error", () => {});
    const closed = once(socket, "close").then(() => true);
    const bound = new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref());
    expect(await Promise.race([closed, bound])).toBe(true);
    expect(proxy.stats.open).toBe(0);
  });
});
