// The published message, the same from k6 and from the Node driver: a wall-clock timestamp in
// milliseconds (Date.now(): k6 has no finer clock shared by all VUs, so the driver uses the same
// one) and padding to about 100 bytes on the wire, the size the benchmarks measure with.
// No runtime imports: k6 loads this file as it is.

/** Padding of every published message's data. */
export const PAYLOAD_PAD = "x".repeat(40);

/** The `data` of a published message, as JSON text, stamped now. */
export function payloadJson(now: number = Date.now()): string {
  return `{"t":${now},"p":"${PAYLOAD_PAD}"}`;
}
