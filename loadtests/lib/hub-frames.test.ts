import { describe, expect, it } from "vitest";
import {
  type ClientFrame,
  parseClientFrame,
  type ServerFrame,
} from "../../service/protocol/index.js";
import { frameProblem, frameSchema } from "../../service/protocol/testing/frame-schema.js";
import { type LoadFrame, pubText, SERVER_OPS, subText } from "./hub-frames.js";
import { payloadJson } from "./payload.js";

// Compile-time: the ops here are exactly the protocol's server ops (a rename fails typecheck).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameOps: Same<(typeof SERVER_OPS)[number], ServerFrame["op"]> = true;
type AnyKey<T> = T extends unknown ? keyof T : never;
const sameFields: Same<Exclude<keyof LoadFrame, AnyKey<ServerFrame>>, never> = true;

/** The server ops the JSON schema lists, each definition's `op` constant. */
function schemaServerOps(): string[] {
  const defs = frameSchema.definitions as Record<
    string,
    { properties?: { op?: { const?: string } } }
  >;
  const server = defs.server as unknown as { oneOf: { $ref: string }[] };
  return server.oneOf.map((r) => defs[r.$ref.split("/").pop()!]?.properties?.op?.const ?? "?");
}

function parsed(text: string): ClientFrame {
  const r = parseClientFrame(text);
  if (!r.ok) throw new Error(r.message);
  return r.frame;
}

describe("the load clients' frames", () => {
  it("read the server ops the protocol and its schema define", () => {
    expect(sameOps && sameFields).toBe(true);
    expect([...SERVER_OPS].sort()).toEqual(schemaServerOps().sort());
  });

  it("build sub frames the hub's parser accepts, with and without resume", () => {
    expect(parsed(subText("room:1"))).toEqual({ op: "sub", ch: "room:1" });
    expect(parsed(subText("room:1", { since: 7, epoch: "e1" }))).toEqual({
      op: "sub",
      ch: "room:1",
      since: 7,
      epoch: "e1",
    });
    expect(
      frameProblem("client", JSON.parse(subText("a", { since: 0, epoch: "x" }))),
    ).toBeUndefined();
  });

  it("build pub frames the hub's parser accepts, carrying the payload as data", () => {
    const frame = parsed(pubText("load:k6", "p1-0", payloadJson()));
    expect(frame).toMatchObject({ op: "pub", ch: "load:k6", id: "p1-0" });
    expect(frameProblem("client", frame)).toBeUndefined();
    expect(parseClientFrame(pubText("bad channel!", "p", "1")).ok).toBe(false);
  });
});
