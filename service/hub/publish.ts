// The one publish path of the hub: `pub` frames and the HTTP publish API both come through here.
import type { Broker, BrokerPublishResult } from "../bus/index.js";

/** Publishes a client's or a backend's message: the data serialized once, counted when new. */
export async function publishJson(
  broker: Broker,
  metrics: { messagesIn: { inc(): void } },
  ch: string,
  data: unknown,
  id?: string,
): Promise<BrokerPublishResult> {
  const text = JSON.stringify(data);
  const r = await broker.publish(id === undefined ? { ch, data: text } : { ch, data: text, id });
  if (!r.duplicate) metrics.messagesIn.inc();
  return r;
}
