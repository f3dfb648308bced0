import { describe, expect, it } from "vitest";
import { keySlot } from "./key-slot.js";
import {
  channelOfShardBus,
  keys,
  PUBLISH_SCRIPT,
  parseBusPayload,
  parseEntry,
  publishScript,
} from "./lua.js";

describe("Redis keys", () => {
  it("hash-tags every key of a channel with the channel, so one slot holds them", () => {
    const tag = (key: string) => key.slice(key.indexOf("{") + 1, key.indexOf("}"));
    for (const key of [
      keys.meta("room:1"),
      keys.hist("room:1"),
      keys.dedupe("room:1", "sub:alice", "c-{x}"),
    ])
      expect(tag(key)).toBe("room:1");
  });

  it("keeps a channel's keys and its shard channel on one cluster slot", () => {
    const slot = keySlot(keys.meta("room:1"));
    for (const key of [
      keys.hist("room:1"),
      keys.dedupe("room:1", "p", "i"),
      keys.shardBus("room:1"),
    ])
      expect(keySlot(key)).toBe(slot);
    expect(keySlot(keys.shardProbe("s7", "node-a"))).toBe(keySlot("s7"));
  });

  it("reads the channel back from its shard channel, and nothing from other channels", () => {
    expect(channelOfShardBus(keys.shardBus("room:1"))).toBe("room:1");
    expect(channelOfShardBus(keys.bus("room:1"))).toBeUndefined();
    expect(channelOfShardBus(keys.shardProbe("s1", "n"))).toBeUndefined();
  });

  it("publishes on the bus with PUBLISH on one primary and SPUBLISH on a cluster", () => {
    expect(PUBLISH_SCRIPT).toMatch(/redis\.call\('PUBLISH', ARGV\[10\]/);
    expect(publishScript("SPUBLISH")).toMatch(/redis\.call\('SPUBLISH', ARGV\[10\]/);
    expect(publishScript("SPUBLISH")).not.toMatch(/'PUBLISH'/);
  });
});

describe("parseBusPayload", () => {
  it("splits the header line from the data text, which stays untouched", () => {
    const data = '{"a":[1,"line\\nbreak"],"b":"é"}\n{"not":"a header"}';
    const m = parseBusPayload("room:1", `[7,"e1",1700000000000,"c-17"]\n${data}`);
    expect(m).toEqual({ ch: "room:1", seq: 7, epoch: "e1", ts: 1700000000000, id: "c-17", data });
    const noId = parseBusPayload("room:1", '[8,"e1",5,null]\n"x"');
    expect(noId).toEqual({ ch: "room:1", seq: 8, epoch: "e1", ts: 5, data: '"x"' });
    expect(noId).not.toHaveProperty("id");
  });

  it("rejects malformed payloads", () => {
    for (const bad of [
      "",
      "no newline",
      "[1,2\n{}",
      '{"seq":1}\n{}',
      '[0,"e",1,null]\n1',
      '[1.5,"e",1,null]\n1',
      "[1,2,1,null]\n1",
      '[1,"e","ts",null]\n1',
      '[1,"e",1,5]\n1',
      '[1,"e",1]\n1',
    ])
      expect(parseBusPayload("c", bad), bad).toBeUndefined();
  });
});

describe("parseEntry", () => {
  it("reads seq from the stream id and the d, t, i fields", () => {
    expect(parseEntry(["12-1", ["d", '{"x":1}', "t", "99", "i", "c-1"]])).toEqual({
      seq: 12,
      data: '{"x":1}',
      ts: 99,
      id: "c-1",
    });
    expect(parseEntry(["3-1", ["d", "1", "t", "5"]])).toEqual({ seq: 3, data: "1", ts: 5 });
  });

  it("skips entries without data or with a bad id", () => {
    expect(parseEntry(["3-1", ["t", "5"]])).toBeUndefined();
    expect(parseEntry(["x-1", ["d", "1"]])).toBeUndefined();
    expect(parseEntry(["0-1", ["d", "1"]])).toBeUndefined();
  });
});
