// A subscriber VU: connects at its paced moment, holds until `untilMs`, then counts what the hub
// stored that it never received. The count comes from a short audit connection that resumes
// from the subscriber's last seq: its `subscribed.seq` is the channel's stored seq in Redis, so a
// subscriber whose node died and never came back counts its whole tail, not zero.
import { clearTimeout, setTimeout } from "k6/timers";
import { WebSocket } from "k6/websockets";
import { subText } from "../lib/hub-frames.ts";
import { connectDelayMs, connectParams, settings } from "./config.ts";
import { type Frame, K6HubConnection } from "./k6-hub-connection.ts";
import { errors, messagesLost } from "./metrics.ts";

/** Bound on one audit attempt. */
const AUDIT_TIMEOUT_MS = 5_000;

/** Runs one subscriber of CHANNEL until `untilMs` (epoch ms); returns the client (for a storm). */
export function subscribeUntil(untilMs: number): K6HubConnection {
  const client = new K6HubConnection({ start: __VU, channel: settings.channel });
  setTimeout(() => client.connect(), connectDelayMs(__VU));
  setTimeout(
    () => {
      const last = client.lastSeq();
      const epoch = client.channelEpoch;
      client.finish();
      // Never subscribed: connect_success already fails the run; there is no baseline to audit.
      if (last !== undefined && epoch !== undefined) audit(last, epoch, 0);
    },
    Math.max(0, untilMs - Date.now()),
  );
  return client;
}

function audit(last: number, epoch: string, attempt: number): void {
  const urls = settings.hubUrls;
  const ws = new WebSocket(urls[(__VU + attempt) % urls.length] as string, null, connectParams());
  let done = false;
  const end = (failed: boolean) => {
    if (done) return;
    done = true;
    ws.close();
    if (!failed) return;
    if (attempt + 1 < urls.length) audit(last, epoch, attempt + 1);
    else errors.add(true, { code: "audit_failed" });
  };
  const timer = setTimeout(() => end(true), AUDIT_TIMEOUT_MS);
  ws.onmessage = (event) => {
    if (typeof event?.data !== "string") return;
    const frame = JSON.parse(event.data) as Frame;
    if (frame.op === "hello") {
      ws.send(subText(settings.channel, { since: last, epoch }));
    } else if (frame.op === "subscribed" && typeof frame.seq === "number") {
      clearTimeout(timer);
      if (frame.seq > last) messagesLost.add(frame.seq - last);
      end(false);
    } else if (frame.op === "error") {
      clearTimeout(timer);
      end(true);
    }
  };
  ws.onclose = () => {
    clearTimeout(timer);
    end(true);
  };
}
