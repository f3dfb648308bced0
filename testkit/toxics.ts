import { TestKitError } from "./errors.js";

/**
 * Toxics named and shaped like Toxiproxy's, so a scenario reads the same here and in a setup
 * that has Toxiproxy. Times in milliseconds, rates in KB/s.
 */
export type Toxic =
  /** Delay every chunk by `latency` ± `jitter`; order is kept. */
  | { type: "latency"; latency: number; jitter?: number }
  /** Limit throughput to `rate` KB/s. */
  | { type: "bandwidth"; rate: number }
  /**
   * A blackhole: nothing passes while the toxic is on; with `timeout` > 0 the connection is
   * closed that many ms after the toxic starts. Unlike Toxiproxy the bytes are held, not dropped:
   * a real partition never removes bytes from the middle of a TCP stream, it stalls it.
   */
  | { type: "timeout"; timeout: number }
  /** Reset (RST) the connection `timeout` ms after the toxic starts (0: at once). */
  | { type: "reset_peer"; timeout?: number }
  /** Cut chunks into pieces of about `average_size` bytes, `delay` microseconds apart. */
  | { type: "slicer"; average_size: number; size_variation?: number; delay?: number };

/** `upstream`: client → server bytes; `downstream`: server → client (Toxiproxy's streams). */
export type Stream = "upstream" | "downstream";

export interface ToxicEntry {
  name: string;
  stream: Stream;
  toxic: Toxic;
  /** When the toxic was added (ms since epoch): timers of `timeout` and `reset_peer` start here. */
  since: number;
}

function nonNegative(value: number | undefined, option: string): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
    throw new TestKitError("BAD_OPTION", `${option} must be a finite number >= 0, got ${value}`);
  }
}

/** Throws a TestKitError naming the field when a toxic's numbers cannot work. */
export function validateToxic(toxic: Toxic): Toxic {
  switch (toxic.type) {
    case "latency":
      nonNegative(toxic.latency, "latency.latency (ms)");
      nonNegative(toxic.jitter, "latency.jitter (ms)");
      break;
    case "bandwidth":
      if (!(toxic.rate > 0)) {
        throw new TestKitError(
          "BAD_OPTION",
          `bandwidth.rate (KB/s) must be > 0, got ${toxic.rate}`,
        );
      }
      break;
    case "timeout":
      nonNegative(toxic.timeout, "timeout.timeout (ms)");
      break;
    case "reset_peer":
      nonNegative(toxic.timeout, "reset_peer.timeout (ms)");
      break;
    case "slicer":
      if (!(toxic.average_size >= 1)) {
        throw new TestKitError("BAD_OPTION", "slicer.average_size (bytes) must be >= 1");
      }
      nonNegative(toxic.size_variation, "slicer.size_variation (bytes)");
      nonNegative(toxic.delay, "slicer.delay (µs)");
      break;
    default:
      throw new TestKitError(
        "BAD_OPTION",
        `unknown toxic type ${(toxic as { type: string }).type}`,
      );
  }
  return toxic;
}

/** A piece of a stream and the earliest time it may be written on. */
export interface Scheduled {
  data: Buffer;
  at: number;
}

/**
 * Pure scheduling of one chunk under the stream's toxics: returns its pieces with release times,
 * never earlier than `lastAt` so bytes keep their order. `random` is injectable for tests.
 */
export function schedule(
  chunk: Buffer,
  toxics: readonly Toxic[],
  now: number,
  lastAt: number,
  random: () => number = Math.random,
): Scheduled[] {
  let pieces: Buffer[] = [chunk];
  let delay = 0;
  let sliceGapMs = 0;
  let bytesPerMs = Number.POSITIVE_INFINITY;
  for (const toxic of toxics) {
    if (toxic.type === "latency") {
      const jitter = toxic.jitter ?? 0;
      delay += Math.max(0, toxic.latency + (random() * 2 - 1) * jitter);
    } else if (toxic.type === "bandwidth") {
      bytesPerMs = Math.min(bytesPerMs, (toxic.rate * 1024) / 1000);
    } else if (toxic.type === "slicer") {
      pieces = pieces.flatMap((p) =>
        slice(p, toxic.average_size, toxic.size_variation ?? 0, random),
      );
      sliceGapMs += (toxic.delay ?? 0) / 1000;
    }
  }
  if (Number.isFinite(bytesPerMs)) {
    // About 100 ms of bytes per piece so a big chunk trickles instead of arriving in one lump.
    const max = Math.max(1, Math.floor(bytesPerMs * 100));
    pieces = pieces.flatMap((p) => slice(p, max, 0, random));
  }
  const out: Scheduled[] = [];
  let at = Math.max(now + delay, lastAt);
  for (const [index, data] of pieces.entries()) {
    if (index > 0) at += sliceGapMs;
    if (Number.isFinite(bytesPerMs)) at = Math.max(at, lastAt) + data.length / bytesPerMs;
    out.push({ data, at });
    lastAt = at;
  }
  return out;
}

function slice(data: Buffer, size: number, variation: number, random: () => number): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const length = Math.max(1, Math.round(size + (random() * 2 - 1) * variation));
    out.push(data.subarray(offset, offset + length));
    offset += length;
  }
  return out;
}
