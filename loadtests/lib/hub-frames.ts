// The wire frames the k6 scripts and the Node driver send and read, for code that cannot import
// service/protocol (k6 loads only its own folder and loadtests/lib). hub-frames.test.ts holds
// every op and builder here to service/protocol and its JSON schema.

/** The ops of the frames a hub sends. */
export const SERVER_OPS = [
  "hello",
  "subscribed",
  "unsubscribed",
  "refreshed",
  "msg",
  "ok",
  "error",
  "ping",
  "presence",
  "join",
  "leave",
  "move",
] as const;
export type ServerOp = (typeof SERVER_OPS)[number];

/** A server frame as the load clients read it: the fields they use. */
export type LoadFrame = {
  op?: ServerOp;
  node?: string;
  ch?: string;
  seq?: number;
  epoch?: string;
  id?: string;
  code?: string;
  recovered?: boolean;
  data?: { t?: number };
};

/** A `sub` frame's text; it resumes after `since` in `epoch` when both are given. */
export function subText(ch: string, resume?: { since: number; epoch: string }): string {
  return JSON.stringify(
    resume ? { op: "sub", ch, since: resume.since, epoch: resume.epoch } : { op: "sub", ch },
  );
}

/** A `pub` frame's text; `dataJson` is JSON already (the timestamped payload). */
export function pubText(ch: string, id: string, dataJson: string): string {
  return `{"op":"pub","ch":${JSON.stringify(ch)},"id":${JSON.stringify(id)},"data":${dataJson}}`;
}
