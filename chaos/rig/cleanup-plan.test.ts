import { describe, expect, it } from "vitest";
import { parseLabelledRows, selectForRemoval } from "./cleanup-plan.js";

const rows = parseLabelledRows("aaa 100\nbbb 200\n\nccc \nddd 300\n");
const alive = (pid: number) => pid === 200 || pid === 300;

describe("selectForRemoval", () => {
  it("reads ids with their owner pid, empty when unlabelled", () => {
    expect(rows).toEqual([
      { id: "aaa", owner: "100" },
      { id: "bbb", owner: "200" },
      { id: "ccc", owner: "" },
      { id: "ddd", owner: "300" },
    ]);
  });

  it("takes orphans and our own, sparing another live run", () => {
    // 100 is dead, 200 is another live run, 300 is us, ccc names no owner.
    expect(selectForRemoval(rows, "orphans", 300, alive)).toEqual(["aaa", "ccc", "ddd"]);
  });

  it("takes everything when asked for all", () => {
    expect(selectForRemoval(rows, "all", 1, alive)).toEqual(["aaa", "bbb", "ccc", "ddd"]);
  });
});
