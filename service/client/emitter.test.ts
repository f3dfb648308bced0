import { describe, expect, it } from "vitest";
import { Emitter } from "./emitter.js";

type Events = { n: number; s: string };
class Box extends Emitter<Events> {
  fire<K extends keyof Events>(k: K, v: Events[K]) {
    this.emit(k, v);
  }
}

describe("Emitter", () => {
  it("calls listeners per event until removed; once() runs once", () => {
    const box = new Box();
    const got: unknown[] = [];
    const off = box.on("n", (v) => got.push(v));
    box.once("s", (v) => got.push(v));
    box.fire("n", 1);
    box.fire("s", "a");
    box.fire("s", "b");
    off();
    box.fire("n", 2);
    expect(got).toEqual([1, "a"]);
    expect(box.listenerCount("n") + box.listenerCount("s")).toBe(0);
  });

  it("keeps calling the other listeners when one throws and reports the exception", () => {
    const reported: unknown[] = [];
    const box = new Box((err) => reported.push(err));
    const got: number[] = [];
    box.on("n", () => {
      throw new Error("listener bug");
    });
    box.on("n", (v) => got.push(v));
    box.fire("n", 7);
    expect(got).toEqual([7]);
    expect(String(reported[0])).toContain("listener bug");
  });
});
