import { describe, expect, it } from "vitest";
import { ChannelCreations } from "./channel-creations.js";

describe("ChannelCreations", () => {
  it("allows up to the bound within a window and frees room as the window slides", () => {
    let t = 1_000_000;
    const w = new ChannelCreations(3, 16_000, () => t);
    for (let i = 0; i < 3; i++) {
      expect(w.allows()).toBe(true);
      w.record();
    }
    expect(w.allows()).toBe(false);
    t += 15_000;
    expect(w.allows()).toBe(false);
    t += 2_000;
    expect(w.allows()).toBe(true);
  });

  it("forgets everything after a long quiet period", () => {
    let t = 0;
    const w = new ChannelCreations(2, 1_600, () => t);
    w.record();
    w.record();
    expect(w.allows()).toBe(false);
    t += 1_000_000;
    expect(w.allows()).toBe(true);
  });
});
