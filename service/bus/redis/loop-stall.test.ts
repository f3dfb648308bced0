import { expect, it } from "vitest";
import { LoopStall } from "./loop-stall.js";

it("counts nothing while its timer fires on time or a little late", () => {
  const stall = new LoopStall(200, 0);
  stall.tick(200);
  stall.tick(430);
  stall.tick(640);
  expect(stall.total(700)).toBe(0);
});

it("counts a timer's lateness, and a stall still going on before the timer could fire", () => {
  const stall = new LoopStall(200, 0);
  stall.tick(200);
  // Due at 400, fired at 2900: the loop was held.
  stall.tick(2900);
  expect(stall.total(2900)).toBe(2500);
  // Due at 3100 and not fired by 4100: held right now.
  expect(stall.total(4100)).toBe(3500);
  stall.tick(4100);
  expect(stall.total(4100)).toBe(3500);
});
