import { describe, expect, it } from "vitest";
import { findKey, hasStringValue, jsonKey, scanNumber, scanString } from "./json-scan.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const SEQ = jsonKey("seq");
const T = jsonKey("t");

describe("scanNumber", () => {
  it("reads integers, negatives and decimals the way JSON.parse does", () => {
    const frame = bytes('{"op":"msg","ch":"a","seq":58,"data":{"t":1234.5625,"n":-7}}');
    expect(scanNumber(frame, SEQ)).toBe(58);
    expect(scanNumber(frame, T)).toBeCloseTo(1234.5625, 9);
    expect(scanNumber(frame, jsonKey("n"))).toBe(-7);
  });

  it("returns undefined for a missing key, a string value and an exponent", () => {
    expect(scanNumber(bytes('{"op":"hello"}'), SEQ)).toBeUndefined();
    expect(scanNumber(bytes('{"seq":"5"}'), SEQ)).toBeUndefined();
    expect(scanNumber(bytes('{"seq":1e5}'), SEQ)).toBeUndefined();
  });

  it("tolerates a space after the colon and matches whole keys only", () => {
    expect(scanNumber(bytes('{"xseq":1, "seq": 9}'), SEQ)).toBe(9);
  });

  it("finds the first occurrence at or after `from`", () => {
    const frame = bytes('{"t":1,"data":{"t":2}}');
    const second = findKey(frame, T, 5);
    expect(scanNumber(frame, T, second - 4)).toBe(2);
  });
});

describe("string fields", () => {
  it("recognises the op of a frame", () => {
    const frame = bytes('{"op":"msg","ch":"room:1"}');
    expect(hasStringValue(frame, jsonKey("op"), bytes("msg"))).toBe(true);
    expect(hasStringValue(frame, jsonKey("op"), bytes("ms"))).toBe(false);
    expect(scanString(frame, jsonKey("ch"))).toBe("room:1");
  });

  it("refuses strings with escapes rather than misreading them", () => {
    expect(scanString(bytes('{"ch":"a\\"b"}'), jsonKey("ch"))).toBeUndefined();
  });
});
