import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./auth.js";
import { MAX_PATTERN_STARS, MAX_PATTERNS, matchGlob, patternsProblem } from "./channel-pattern.js";
import { mintToken, TEST_SECRET } from "./testing/hub-harness.js";

/** The reference semantics: what the patterns meant when they were compiled to a regex. */
function reference(glob: string, ch: string): boolean {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`).test(ch);
}

describe("matchGlob", () => {
  it("matches literals, `*` runs and `?` single characters", () => {
    expect(matchGlob("news", "news")).toBe(true);
    expect(matchGlob("news", "newsy")).toBe(false);
    expect(matchGlob("room:*", "room:")).toBe(true);
    expect(matchGlob("room:*", "room:lobby:2")).toBe(true);
    expect(matchGlob("room:*", "rooms")).toBe(false);
    expect(matchGlob("*", "")).toBe(true);
    expect(matchGlob("a?c", "abc")).toBe(true);
    expect(matchGlob("a?c", "ac")).toBe(false);
    expect(matchGlob("*:b*:c", "a:b:x:b2:c")).toBe(true);
    expect(matchGlob("a.b", "aXb")).toBe(false);
  });

  it("agrees with the regex semantics on every short pattern and channel over a small alphabet", () => {
    const alphabet = ["a", "b", "*", "?"];
    const patterns: string[] = [""];
    for (let len = 1; len <= 4; len++)
      for (const p of patterns.filter((x) => x.length === len - 1))
        for (const c of alphabet) patterns.push(p + c);
    const channels: string[] = [""];
    for (let len = 1; len <= 5; len++)
      for (const p of channels.filter((x) => x.length === len - 1))
        for (const c of ["a", "b"]) channels.push(p + c);
    const wrong: string[] = [];
    for (const p of patterns)
      for (const ch of channels)
        if (matchGlob(p, ch) !== reference(p, ch)) wrong.push(`${p} vs ${ch}`);
    expect(patterns.length * channels.length).toBeGreaterThan(10_000);
    expect(wrong).toEqual([]);
  });

  it("answers the worst pattern the cap allows against the longest channel without backtracking blow-up", () => {
    // With a regex this pair backtracks through C(128, 8) splits and never finishes.
    const stars = `${"*a".repeat(MAX_PATTERN_STARS)}b`;
    const ch = "a".repeat(128);
    for (let i = 0; i < 1_000; i++) expect(matchGlob(stars, ch)).toBe(false);
    expect(matchGlob(stars, `${ch}b`)).toBe(true);
  });
});

describe("pattern complexity cap", () => {
  it("names what is over the cap", () => {
    expect(patternsProblem(["room:*", "news"])).toBeUndefined();
    expect(patternsProblem(Array.from({ length: MAX_PATTERNS + 1 }, (_, i) => `c${i}`))).toMatch(
      /patterns; at most 64/,
    );
    expect(patternsProblem(["*".repeat(MAX_PATTERN_STARS + 1)])).toMatch(/at most 8 are accepted/);
    expect(patternsProblem(["x".repeat(129)])).toMatch(/longer than 128/);
  });

  it("refuses a token whose patterns are over the cap, saying why", async () => {
    const auth = createAuthenticator({
      secret: { source: "env", read: () => TEST_SECRET },
    });
    const ok = await auth.verify(await mintToken({ sub: "a", channels: ["*a*a*a*a*a*a*a*a"] }));
    expect(ok.ok).toBe(true);
    const r = await auth.verify(await mintToken({ sub: "a", channels: ["*a*a*a*a*a*a*a*a*"] }));
    expect(r).toMatchObject({ ok: false, reason: "invalid" });
    expect(r.ok === false && r.message).toMatch(/at most 8 .*fewer, simpler patterns/);
  });
});
