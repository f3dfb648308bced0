// ProbeDeadline with explicit clocks: when a probe counts as missed, and what holds it off.
import { beforeEach, expect, it } from "vitest";
import { LoopStall } from "./loop-stall.js";
import { ProbeDeadline, STARVED_LIMITS } from "./probe-deadline.js";

const INTERVAL = 200;
const LIMIT = 2 * INTERVAL;
let stall: LoopStall;
let deadline: ProbeDeadline;
let clock: number;

/** Runs the probe timer on time up to `to` (a loop that is never held). */
function runTo(to: number): number {
  for (; clock + INTERVAL <= to; clock += INTERVAL) stall.tick(clock + INTERVAL);
  return to;
}

beforeEach(() => {
  clock = 0;
  stall = new LoopStall(INTERVAL, 0);
  deadline = new ProbeDeadline(stall, LIMIT);
});

it("misses a probe overdue in awake time once a look after the reads confirms it", () => {
  deadline.sent(1, 0);
  expect(deadline.judge(0, runTo(400))).toBe("ok");
  expect(deadline.judge(0, runTo(600))).toBe("recheck");
  // Not confirmed before the sockets were read.
  expect(deadline.judge(0, 600)).toBe("late");
  deadline.arm();
  expect(deadline.judge(0, 601)).toBe("missed");
  // It stays missed until a probe comes back, whatever arrives meanwhile.
  expect(deadline.judge(500, runTo(800))).toBe("missed");
  deadline.back(1);
  expect(deadline.judge(500, 800)).toBe("ok");
});

it("takes the loop's own stall out of the wait: a reply read right after it is in time", () => {
  deadline.sent(1, 0);
  runTo(200);
  // The loop is held from 200 to 1900; the timer fires first, the probe judges after it.
  stall.tick(1900);
  expect(deadline.waited(1900)).toBe(400);
  expect(deadline.judge(0, 1900)).toBe("ok");
  deadline.back(1);
  expect(deadline.waited(1900)).toBe(0);
});

it("holds off while the subscriber still receives bytes, up to its bound", () => {
  deadline.sent(1, 0);
  let bytes = 1000;
  expect(deadline.judge(bytes, runTo(600))).toBe("recheck");
  // A backlog drains: bytes keep arriving at every look, the probe is behind them.
  for (let now = 800; now <= STARVED_LIMITS * LIMIT; now += INTERVAL) {
    runTo(now);
    deadline.arm();
    bytes += 100;
    expect(deadline.judge(bytes, now)).toBe("late");
  }
  // Past the bound a bus that delivers everything but the probe is missed all the same.
  const past = runTo(STARVED_LIMITS * LIMIT + INTERVAL);
  deadline.arm();
  expect(deadline.judge(bytes + 100, past)).toBe("missed");
});

it("misses at the next look when nothing arrived on the subscriber since the last one", () => {
  deadline.sent(1, 0);
  expect(deadline.judge(1000, runTo(600))).toBe("recheck");
  deadline.arm();
  expect(deadline.judge(1100, 601)).toBe("late");
  runTo(800);
  deadline.arm();
  expect(deadline.judge(1100, 800)).toBe("missed");
});

it("answers every earlier probe with a later one, and keeps a later one out", () => {
  deadline.sent(1, 0);
  deadline.sent(2, runTo(200));
  deadline.sent(3, runTo(400));
  deadline.back(2);
  expect(deadline.waited(runTo(500))).toBe(100);
});

it("expects a probe within the limit after the subscriber reconnects", () => {
  deadline.sent(1, 0);
  deadline.restart(1, runTo(1000));
  expect(deadline.judge(0, 1000)).toBe("ok");
  deadline.sent(2, 1000);
  // A probe published before the reconnect still counts as a sign of life.
  deadline.back(1);
  expect(deadline.waited(runTo(1100))).toBe(100);
  expect(deadline.judge(0, runTo(1401))).toBe("recheck");
});

it("takes at most STARVED_LIMITS - 1 limits of stall out, so a starved hub still finds a silent bus", () => {
  deadline.sent(1, 0);
  runTo(200);
  // Held for a minute: only (STARVED_LIMITS - 1) limits of it are excused.
  stall.tick(60_000);
  expect(deadline.waited(60_000)).toBe(60_000 - (STARVED_LIMITS - 1) * LIMIT);
  expect(deadline.judge(0, 60_000)).toBe("recheck");
  deadline.arm();
  expect(deadline.judge(0, 60_001)).toBe("missed");
});
