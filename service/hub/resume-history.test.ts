import { describe, expect, it } from "vitest";
import { MemoryBroker } from "../bus/index.js";
import { historySince } from "./resume-history.js";

describe("historySince", () => {
  it("answers every later since exactly as the bus would, with history trimmed or whole", async () => {
    const broker = new MemoryBroker({ historySize: 4, historyTtlSeconds: 60, dedupeSeconds: 60 });
    for (const published of [0, 3, 9]) {
      const ch = `room:${published}`;
      await broker.history(ch);
      for (let i = 0; i < published; i++) await broker.publish({ ch, data: String(i) });
      for (let from = 0; from <= published + 2; from++) {
        const read = await broker.history(ch, from);
        for (let since = from; since <= published + 2; since++) {
          const own = await broker.history(ch, since);
          expect(historySince(read, from, since), `${ch} from ${from} since ${since}`).toEqual(own);
        }
      }
    }
    await broker.stop();
  });

  it("refuses a since older than the read it is derived from", () => {
    const h = { seq: 5, epoch: "e", messages: [], complete: true };
    expect(() => historySince(h, 3, 2)).toThrow(RangeError);
  });
});
