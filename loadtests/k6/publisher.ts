// The publishing side of fanout, soak and reconnect-storm: RATE messages per second for a
// duration, each with an id unique to this run, counted when its `ok` arrives (ws) or its 200
// (http). A lost connection is reconnected (rotating over HUB_URLS) and every unacknowledged
// publish is sent again with the same id, so the hub stores it once.
import http from "k6/http";
import { clearInterval, setInterval, setTimeout } from "k6/timers";
import { pubText } from "../lib/hub-frames.ts";
import { payloadJson } from "../lib/payload.ts";
import { httpBase, settings } from "./config.ts";
import { type Frame, K6HubConnection } from "./k6-hub-connection.ts";
import { errors, messagesPublished } from "./metrics.ts";

/** Bound on waiting for the last acknowledgements after the last publish. */
const SETTLE_MS = 5_000;
/** Sends of one id (first + retries after an error frame) before it counts as failed. */
const MAX_SENDS = 5;

interface Pending {
  text: string;
  sends: number;
}

/** Publishes `settings.rate` messages/s to `settings.channel` for `seconds`, then stops. */
export function publishFor(seconds: number): void {
  const total = settings.rate * seconds;
  const prefix = `k6-${settings.runId}-${__VU}-`;
  if (settings.publishVia === "http") {
    publishOverHttp(total, prefix);
    return;
  }
  const pending = new Map<string, Pending>();
  const acked = new Set<string>();
  let sent = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const client = new K6HubConnection({
    start: 0,
    // Every (re)connection: send again what is still unacknowledged, in order.
    onReady: (c) => {
      for (const p of pending.values()) c.send(p.text);
      timer ??= setInterval(tick, Math.max(1, Math.floor(1000 / Math.max(1, settings.rate))));
    },
    onFrame: (frame) => answer(frame),
  });
  const answer = (frame: Frame) => {
    if (frame.id === undefined || (frame.op !== "ok" && frame.op !== "error")) return;
    const entry = pending.get(frame.id);
    if (!entry) {
      // A resend may be acknowledged twice; an id this publisher never sent is a hub fault.
      if (!acked.has(frame.id)) errors.add(true, { code: "unknown_ack" });
      return;
    }
    if (frame.op === "ok") {
      pending.delete(frame.id);
      acked.add(frame.id);
      if (frame.ch !== settings.channel) errors.add(true, { code: "ack_wrong_channel" });
      else {
        messagesPublished.add(1);
        errors.add(false);
      }
    } else if (entry.sends >= MAX_SENDS) {
      pending.delete(frame.id);
      errors.add(true, { code: `publish_${frame.code ?? "failed"}` });
    } else {
      entry.sends++;
      setTimeout(() => client.send(entry.text), 200 * entry.sends);
    }
  };
  const tick = () => {
    if (sent >= total) {
      if (timer !== undefined) clearInterval(timer);
      settle(pending, () => client.finish());
      return;
    }
    const id = `${prefix}${sent++}`;
    const text = pubText(settings.channel, id, payloadJson());
    pending.set(id, { text, sends: 1 });
    // Not sent while reconnecting: onReady sends it with the rest.
    client.send(text);
  };
  client.connect();
}

/** Waits (bounded) for the outstanding acknowledgements; each one missing is a failed publish. */
function settle(pending: Map<string, Pending>, done: () => void): void {
  const deadline = Date.now() + SETTLE_MS;
  const check = () => {
    if (pending.size > 0 && Date.now() < deadline) {
      setTimeout(check, 50);
      return;
    }
    for (const _ of pending.values()) errors.add(true, { code: "publish_unacknowledged" });
    pending.clear();
    done();
  };
  check();
}

function publishOverHttp(total: number, prefix: string): void {
  const url = `${httpBase(settings.hubUrls[0] as string)}/v1/publish`;
  const headers = {
    "Content-Type": "application/json",
    Authorization: `Bearer ${settings.apiKey}`,
  };
  let sent = 0;
  const post = (id: string, body: string, tries: number) => {
    http.asyncRequest("POST", url, body, { headers }).then((res) => {
      if (res.status === 200) {
        messagesPublished.add(1);
        errors.add(false);
      } else if (res.status === 503 && tries < MAX_SENDS) {
        setTimeout(() => post(id, body, tries + 1), 200 * tries);
      } else errors.add(true, { code: `http_${res.status}` });
    });
  };
  const timer = setInterval(
    () => {
      if (sent >= total) {
        clearInterval(timer);
        return;
      }
      const id = `${prefix}${sent++}`;
      post(
        id,
        `{"ch":${JSON.stringify(settings.channel)},"id":"${id}","data":${payloadJson()}}`,
        1,
      );
    },
    Math.max(1, Math.floor(1000 / Math.max(1, settings.rate))),
  );
}
