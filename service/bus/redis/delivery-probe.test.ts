// BusProbe against stand-in ioredis clients: how it replaces a silent connection, and that the
// bus does not look up again while the replaced connection is still on its way out.
import type { Redis } from "ioredis";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import type { BrokerStatus } from "../broker.js";
import { BusProbe } from "./delivery-probe.js";

/** The parts of an ioredis client that BusProbe touches. */
class FakeClient {
  status = "ready";
  stream = { writable: true, destroyed: false, destroy: vi.fn() };
  disconnect = vi.fn();
  published: string[] = [];
  /** Whether a publish answers (a live connection) or times out (a silent one). */
  answers = true;

  constructor() {
    this.stream.destroy.mockImplementation(() => {
      this.stream.destroyed = true;
      this.stream.writable = false;
    });
  }

  publish(_channel: string, payload: string): Promise<number> {
    this.published.push(payload);
    return this.answers ? Promise.resolve(1) : Promise.reject(new Error("Command timed out"));
  }

  subscribe(): Promise<number> {
    return Promise.resolve(1);
  }

  /** ioredis after a reconnect: a new socket and "ready". */
  replace(): void {
    this.status = "ready";
    this.stream = { writable: true, destroyed: false, destroy: vi.fn() };
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

beforeEach(() => {
  vi.useFakeTimers();
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
  await vi.advanceTimersByTimeAsync(1000);
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

it("replaces a silent subscriber and a silent command connection in the same window", async () => {
  // The probes are published but none comes back for over two intervals: the subscriber is dropped.
  await vi.advanceTimersByTimeAsync(3100);
  expect(sub.stream.destroy).toHaveBeenCalledTimes(1);
  expect(cmd.stream.destroy).not.toHaveBeenCalled();
  // Then the command connection times out too, within the same two intervals: that kick is its
  // own and is not swallowed by the subscriber's.
  cmd.answers = false;
  await vi.advanceTimersByTimeAsync(1000);
  expect(cmd.stream.destroy).toHaveBeenCalledTimes(1);
});

it("does not drop the same connection twice within two intervals", async () => {
  cmd.answers = false;
  await vi.advanceTimersByTimeAsync(1000);
  const first = cmd.stream.destroy;
  cmd.replace();
  probe.connectionReady("cmd");
  await vi.advanceTimersByTimeAsync(500);
  expect(first).toHaveBeenCalledTimes(1);
  expect(cmd.stream.destroy).not.toHaveBeenCalled();
  await vi.advanceTimersByTimeAsync(1600);
  expect(cmd.stream.destroy).toHaveBeenCalledTimes(1);
});
