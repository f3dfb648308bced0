import { describe, expect, it } from "vitest";
import { connectionId } from "./connection-id.js";

describe("connectionId", () => {
  it("gives 16 hex characters, distinct across several refills of its pool", () => {
    const ids = Array.from({ length: 2000 }, () => connectionId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
