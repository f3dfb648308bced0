import { describe, expect, it } from "vitest";
import { BatchedSocket, batchFlushBytes, type Corkable, WriteBatch } from "./write-batch.js";

/** A socket that records cork/uncork calls as its corked depth. */
function fakeSocket(): Corkable & { depth: number; uncorks: number } {
  return {
    depth: 0,
    uncorks: 0,
    cork() {
      this.depth++;
    },
    uncork() {
      this.depth--;
      this.uncorks++;
    },
  };
}

/** A batch whose flush runs when the test says (the turn ends). */
function manualBatch(): { batch: WriteBatch; endTurn(): void; scheduled: number } {
  const runs: (() => void)[] = [];
  const state = {
    batch: new WriteBatch((run) => runs.push(run)),
    scheduled: 0,
    endTurn() {
      for (const run of runs.splice(0)) run();
    },
  };
  state.batch = new WriteBatch((run) => {
    state.scheduled++;
    runs.push(run);
  });
  return state;
}

describe("WriteBatch", () => {
  it("corks a socket once per turn and uncorks it once when the turn ends", () => {
    const t = manualBatch();
    const socket = fakeSocket();
    const out = new BatchedSocket(socket, t.batch, 1_000);
    for (let i = 0; i < 5; i++) {
      out.willWrite(100);
      out.wrote();
    }
    expect(socket.depth).toBe(1);
    expect(out.corkedBytes).toBe(500);
    t.endTurn();
    expect(socket.depth).toBe(0);
    expect(socket.uncorks).toBe(1);
    expect(out.corkedBytes).toBe(0);
    // The next turn corks again and schedules one more flush.
    out.willWrite(100);
    expect(socket.depth).toBe(1);
    expect(t.scheduled).toBe(2);
  });

  it("schedules one flush per turn for every socket of the turn", () => {
    const t = manualBatch();
    const sockets = [fakeSocket(), fakeSocket(), fakeSocket()];
    for (const s of sockets) new BatchedSocket(s, t.batch, 1_000).willWrite(10);
    expect(t.scheduled).toBe(1);
    expect(t.batch.size).toBe(3);
    t.endTurn();
    expect(sockets.map((s) => s.depth)).toEqual([0, 0, 0]);
  });

  it("lets a batch past its bound leave at once, then corks the rest of the turn again", () => {
    const t = manualBatch();
    const socket = fakeSocket();
    const out = new BatchedSocket(socket, t.batch, 250);
    out.willWrite(100);
    out.wrote();
    out.willWrite(100);
    out.wrote();
    out.willWrite(100);
    out.wrote();
    expect(socket.uncorks).toBe(1);
    expect(out.corkedBytes).toBe(0);
    out.willWrite(100);
    expect(socket.depth).toBe(1);
    t.endTurn();
    expect(socket.depth).toBe(0);
    expect(socket.uncorks).toBe(2);
  });

  it("bounds the early flush by a quarter of SLOW_CONSUMER_BYTES and by 16 KiB", () => {
    expect(batchFlushBytes(4 * 1024 * 1024)).toBe(16 * 1024);
    expect(batchFlushBytes(16 * 1024)).toBe(4 * 1024);
    expect(batchFlushBytes(2)).toBe(1);
  });
});
