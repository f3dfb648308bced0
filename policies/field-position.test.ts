import { describe, expect, it } from "vitest";
import { LineCounter, parseDocument } from "yaml";
import { pathSegments, positionFinder } from "./field-position.js";

const TEXT = `apiVersion: v1
kind: Pod
metadata:
  annotations:
    policies.wshub.dev/waive-x: "why"
spec:
  containers:
    - name: a
    - name: b
      image: b:latest
`;

function finder() {
  const lineCounter = new LineCounter();
  const doc = parseDocument(TEXT, { lineCounter });
  if (!doc.contents) throw new Error("empty fixture");
  return positionFinder(doc.contents, lineCounter);
}

describe("field positions", () => {
  it("splits dotted paths with array indexes", () => {
    expect(pathSegments("spec.containers[1].image")).toEqual(["spec", "containers", 1, "image"]);
  });

  it("points at the key of the field, through sequences", () => {
    expect(finder()("spec.containers[1].image")).toEqual({ line: 10, column: 7 });
    expect(finder()("spec.containers[0]")).toEqual({ line: 8, column: 7 });
  });

  it("resolves map keys that contain dots (annotations)", () => {
    expect(finder()("metadata.annotations.policies.wshub.dev/waive-x")).toEqual({
      line: 5,
      column: 5,
    });
  });

  it("falls back to the nearest written ancestor, and to the object without a path", () => {
    expect(finder()("spec.containers[1].securityContext.privileged")).toEqual({
      line: 9,
      column: 7,
    });
    expect(finder()("spec.containers[7]")).toEqual({ line: 7, column: 3 });
    expect(finder()(undefined)).toEqual({ line: 1, column: 1 });
  });
});
