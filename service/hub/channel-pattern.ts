// Token channel patterns (`room:*`, `news`, `game:?`): `*` matches any run of characters, `?`
// exactly one. Matched by a two-pointer scan that never backtracks further than the last `*`, so
// the cost is at most pattern length × channel length steps however the stars are placed: a
// regex here let six stars against an 85-character channel stall the event loop for seconds.

/** At most this many patterns in one token's `channels` claim. */
export const MAX_PATTERNS = 64;
/** At most this many characters in one pattern (a channel name is at most 128). */
export const MAX_PATTERN_LENGTH = 128;
/** At most this many `*` in one pattern. */
export const MAX_PATTERN_STARS = 8;

/** Whether `ch` matches the glob `pattern`. */
export function matchGlob(pattern: string, ch: string): boolean {
  let p = 0;
  let c = 0;
  // Where the last `*` was, and the channel position it currently swallows up to.
  let star = -1;
  let resume = 0;
  while (c < ch.length) {
    const pc = pattern.charCodeAt(p);
    if (p < pattern.length && (pc === 63 /* ? */ || pc === ch.charCodeAt(c))) {
      p++;
      c++;
    } else if (p < pattern.length && pc === 42 /* * */) {
      star = p++;
      resume = c;
    } else if (star >= 0) {
      p = star + 1;
      c = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

/** Why a `channels` claim is over the complexity cap; undefined when it is within. */
export function patternsProblem(patterns: readonly string[]): string | undefined {
  if (patterns.length > MAX_PATTERNS)
    return `the token's \`channels\` claim has ${patterns.length} patterns; at most ${MAX_PATTERNS} are accepted`;
  for (const p of patterns) {
    if (p.length > MAX_PATTERN_LENGTH)
      return `a \`channels\` pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
    let stars = 0;
    for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) === 42) stars++;
    if (stars > MAX_PATTERN_STARS)
      return `a \`channels\` pattern has ${stars} \`*\`; at most ${MAX_PATTERN_STARS} are accepted`;
  }
  return undefined;
}
