// The publishing side of fanout, soak and reconnect-storm: RATE messages per second for a
// duration, over a `pub` frame (with an id, acknowledged by `ok`) or POST /v1/publish.
import http from "k6/http";
import { clearInterval, setInterval, setTimeout } from "k6/timers";
import { httpBase, settings, urlFor } from "./config.ts";
import { HubClient } from "./hub-client.ts";
import { errors, messagesPublished } from "./metrics.ts";

/** Publishes `settings.rate` messages/s to `settings.channel` for `seconds`, then stops. */
export function publishFor(seconds: number): void {
  const total = settings.rate * seconds;
  const periodMs = Math.max(1, Math.floor(1000 / Math.max(1, settings.rate)));
  let sent = 0;
  const publish = (client: HubClient | undefined) => {
    const id = `k6-${__VU}-${sent}`;
    if (client) {
      client.publish(settings.channel, id);
    } else {
      const res = http.post(
        `${httpBase(urlFor(0))}/v1/publish`,
        JSON.stringify({ ch: settings.channel, id, data: { t: Date.now() } }),
        {
          headers: {
            "Content-Type": "application/json",
            Authorization: `Bearer ${settings.apiKey}`,
          },
        },
      );
      errors.add(res.status !== 200);
    }
    messagesPublished.add(1);
  };
  const run = (client: HubClient | undefined) => {
    const timer = setInterval(() => {
      if (sent >= total) {
        clearInterval(timer);
        // Leave a second for the last deliveries before closing.
        setTimeout(() => client?.finish(), 1000);
        return;
      }
      publish(client);
      sent++;
    }, periodMs);
  };
  if (settings.publishVia === "http") {
    run(undefined);
    return;
  }
  const client = new HubClient({ url: urlFor(0), onReady: (c) => run(c) });
  client.connect();
}
