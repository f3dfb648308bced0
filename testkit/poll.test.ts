import { describe, expect, it } from "vitest";
import { pollFor, pollUntil, waitFor } from "./poll.js";

describe("poll", () => {
  it("returns the first truthy value", async () => {
    let n = 0;
    expect(await pollFor(() => (++n >= 3 ? n : undefined), { everyMs: 1 })).toBe(3);
    expect(await waitFor("async value", async () => "x")).toBe("x");
  });

  it("gives up after its bound", async () => {
    expect(await pollFor(() => false, { timeoutMs: 30, everyMs: 5 })).toBeUndefined();
    expect(await pollUntil(() => false, 30, 5)).toBe(false);
    await expect(waitFor("the sky to fall", () => false, 30)).rejects.toThrow(
      /timed out after 30 ms waiting for the sky to fall/,
    );
  });
});
