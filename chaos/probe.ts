import WebSocket from "ws";
import type { ErrorCode, PubFrame, ServerFrame } from "../service/protocol/index.js";

/** What one raw publish got back. */
export type PublishOutcome =
  | { kind: "ok"; seq: number }
  | { kind: "error"; code: ErrorCode }
  | { kind: "no-reply" }
  | { kind: "no-connection"; detail: string };

/**
 * One publish over a fresh raw socket straight to a node, no SDK retries: what the hub itself
 * answers (e.g. `unavailable` while its bus is cut). Never throws; bounded by `timeoutMs`.
 */
export function publishOnce(
  url: string,
  token: string,
  ch: string,
  id: string,
  timeoutMs = 3000,
): Promise<PublishOutcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    let settled = false;
    const done = (outcome: PublishOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(
      () =>
        done(
          ws.readyState === WebSocket.OPEN
            ? { kind: "no-reply" }
            : { kind: "no-connection", detail: "timeout" },
        ),
      timeoutMs,
    );
    ws.on("error", (e) => done({ kind: "no-connection", detail: e.message }));
    ws.on("close", () => done({ kind: "no-connection", detail: "closed" }));
    ws.on("message", (raw) => {
      const frame = JSON.parse(String(raw)) as ServerFrame;
      if (frame.op === "hello") {
        const pub: PubFrame = { op: "pub", ch, id, data: { t: Date.now() } };
        ws.send(JSON.stringify(pub));
      } else if (frame.op === "ok" && frame.id === id) done({ kind: "ok", seq: frame.seq });
      else if (frame.op === "error") done({ kind: "error", code: frame.code });
    });
  });
}
