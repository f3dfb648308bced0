// Maps a rule's field path (`spec.template.spec.containers[0].image`) to where that field is
// written in the YAML source, so findings point at the offending line and column.
import { isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from "yaml";

/** A 1-based line and column in a source file. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Splits `a.b[2].c` into ["a", "b", 2, "c"]; dotted map keys are rejoined while resolving. */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(m[2]);
  }
  return out;
}

function keyText(pair: Pair<unknown, unknown>): string | undefined {
  const key = pair.key;
  if (isScalar(key)) return String(key.value);
  return typeof key === "string" ? key : undefined;
}

function startOf(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/**
 * The source offset of the deepest field of `path` that exists under `root`: the key of a map
 * entry, the item of a sequence. A missing field points at its nearest written ancestor.
 * Map keys may contain dots (annotation keys): the longest run of segments naming a key wins.
 */
export function offsetOfPath(root: Node, path: string): number {
  const segments = pathSegments(path);
  let node: unknown = root;
  let offset = startOf(root) ?? 0;
  let i = 0;
  while (i < segments.length) {
    const segment = segments[i];
    if (typeof segment === "number") {
      if (!isSeq(node)) break;
      const item = node.items[segment];
      if (item === undefined) break;
      offset = startOf(item) ?? offset;
      node = item;
      i += 1;
      continue;
    }
    if (!isMap(node)) break;
    const match = matchKey(node.items, segments, i);
    if (match === undefined) break;
    offset = startOf(match.pair.key) ?? offset;
    node = match.pair.value;
    i = match.next;
  }
  return offset;
}

function matchKey(
  pairs: readonly Pair<unknown, unknown>[],
  segments: readonly (string | number)[],
  from: number,
): { pair: Pair<unknown, unknown>; next: number } | undefined {
  // Longest first: `metadata.annotations.policies.wshub.dev/waive-x` names one annotation key.
  let end = from;
  while (end < segments.length && typeof segments[end] === "string") end += 1;
  for (let stop = end; stop > from; stop -= 1) {
    const key = segments.slice(from, stop).join(".");
    const pair = pairs.find((p) => keyText(p) === key);
    if (pair) return { pair, next: stop };
  }
  return undefined;
}

/** A `locate(path)` function for one object's node. */
export function positionFinder(root: Node, lineCounter: LineCounter) {
  return (path: string | undefined): Position => {
    const offset = path === undefined ? (startOf(root) ?? 0) : offsetOfPath(root, path);
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
}
