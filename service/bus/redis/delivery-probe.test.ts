// BusProbe against stand-in ioredis clients: how it replaces a silent connection, and that the
// bus does not look up again while the replaced connection is still on its way out.
import type { Redis } from "ioredis";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import type { BrokerStatus } from "../broker.js";
import { BusProbe } from "./delivery-probe.js";

/** The parts of an ioredis client that BusProbe touches. */
class FakeClient {
  status = "ready";
  stream = { writable: true, destroyed: false, bytesRead: 0, destroy: vi.fn() };
  disconnect = vi.fn();
  published: string[] = [];
  /** Whether a publish answers (a live connection) or times out (a silent one). */
  answers = true;
  /** A timed-out publish whose answer was in the socket already (this process was late). */
  answersLate = false;

  constructor() {
    this.stream.destroy.mockImplementation(() => {
      this.stream.destroyed = true;
      this.stream.writable = false;
    });
  }

  publish(_channel: string, payload: string): Promise<number> {
    this.published.push(payload);
    if (this.answersLate) {
      // The timer fired first; the poll phase then reads the reply that was waiting.
      setImmediate(() => {
        this.stream.bytesRead += 4;
      });
      return Promise.reject(new Error("Command timed out"));
    }
    return this.answers ? Promise.resolve(1) : Promise.reject(new Error("Command timed out"));
  }

  subscribe(): Promise<number> {
    return Promise.resolve(1);
  }

  /** ioredis after a reconnect: a new socket and "ready". */
  replace(): void {
    this.status = "ready";
    this.stream = { writable: true, destroyed: false, bytesRead: 0, destroy: vi.fn() };
    this.stream.destroy.mockImplementation(() => {
      this.stream.destroyed = true;
      this.stream.writable = false;
    });
  }
}

const CHANNEL = "wshub:probe:test";
let cmd: FakeClient;
let sub: FakeClient;
let probe: BusProbe;
let statuses: BrokerStatus[];

function last(): BrokerStatus | undefined {
  return statuses.at(-1);
}

/** Delivers on the subscriber the newest probe the command connection published. */
function echoLastProbe(): void {
  const payload = cmd.published.at(-1);
  if (payload === undefined) throw new Error("no probe was published");
  probe.received(CHANNEL, payload);
}

/** Advances the clock, then lets the check-phase work queued meanwhile run (real immediates). */
async function tick(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

beforeEach(() => {
  // setImmediate stays real: the probe judges in the check phase, after I/O, as in production.
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });
  cmd = new FakeClient();
  sub = new FakeClient();
  statuses = [];
  probe = new BusProbe(
    { cmd: cmd as unknown as Redis, sub: sub as unknown as Redis },
    CHANNEL,
    1000,
    { warn() {} },
    (s) => statuses.push(s),
  );
  probe.start();
  probe.connectionReady("sub");
  probe.connectionReady("cmd");
  echoLastProbe();
});

afterEach(() => {
  probe.stop();
  vi.useRealTimers();
});

it("reports up once a probe comes back on the subscriber", () => {
  expect(last()).toEqual({ up: true });
});

it("destroys a command socket whose probe timed out, and stays down until it is replaced", async () => {
  cmd.answers = false;
  await tick(1000);
  // Dropped at once, not ended gracefully: a silent peer never answers a FIN.
  expect(cmd.stream.destroy).toHaveBeenCalledTimes(1);
  expect(cmd.disconnect).not.toHaveBeenCalled();
  expect(last()).toMatchObject({ up: false, reason: expect.stringContaining("timed out") });
  // The held probe arrives late on the subscriber while ioredis still says "ready" for the
  // destroyed socket: the bus must not look usable.
  echoLastProbe();
  expect(last()).toMatchObject({ up: false, reason: expect.stringContaining("closing") });
  // ioredis reconnects; the new connection's probe comes back: up again.
  cmd.replace();
  cmd.answers = true;
  probe.connectionReady("cmd");
  echoLastProbe();
  expect(last()).toEqual({ up: true });
});

it("keeps a command connection whose probe timed out only because this process was late", async () => {
  cmd.answersLate = true;
  statuses = [];
  await tick(1000);
  echoLastProbe();
  await tick(1000);
  echoLastProbe();
  expect(cmd.stream.destroy).not.toHaveBeenCalled();
  expect(statuses.filter((s) => !s.up)).toEqual([]);
});

it("replaces a silent subscriber and a silent command connection in the same window", async () => {
  // The probes are published but none comes back for over two intervals: the subscriber is dropped.
  await tick(3100);
  expect(sub.stream.destroy).toHaveBeenCalledTimes(1);
  expect(cmd.stream.destroy).not.toHaveBeenCalled();
  // Then the command connection times out too, within the same two intervals: that kick is its
  // own and is not swallowed by the subscriber's.
  cmd.answers = false;
  await tick(1000);
  expect(cmd.stream.destroy).toHaveBeenCalledTimes(1);
});

it("does not drop the same connection twice within two intervals", async () => {
  cmd.answers = false;
  await tick(1000);
  const first = cmd.stream.destroy;
  cmd.replace();
  probe.connectionReady("cmd");
  await tick(500);
  expect(first).toHaveBeenCalledTimes(1);
  expect(cmd.stream.destroy).not.toHaveBeenCalled();
  await tick(1600);
  expect(cmd.stream.destroy).toHaveBeenCalledTimes(1);
});
