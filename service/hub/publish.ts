// The one publish path of the hub: `pub` frames and the HTTP publish API both come through here.
import type { Broker, BrokerPublishResult } from "../bus/index.js";
import { HubError } from "../errors.js";

/** One publish as the hub received it; `publisher` scopes `id` (see publisherOf*). */
export type PublishRequest = { ch: string; data: unknown; id?: string; publisher: string };

/** The publisher identity of a WebSocket client: its token's subject, or its connection. */
export function connectionPublisher(sub: string | undefined, connId: string): string {
  return sub === undefined ? `conn:${connId}` : `sub:${sub}`;
}

/** The publisher identity of `POST /v1/publish`: every holder of the API key is one backend. */
export const API_PUBLISHER = "api";

/** Publishes a client's or a backend's message: the data serialized once, counted when new. */
export async function publishJson(
  broker: Broker,
  metrics: { messagesIn: { inc(): void } },
  p: PublishRequest,
): Promise<BrokerPublishResult> {
  let text: string;
  try {
    text = JSON.stringify(p.data);
  } catch (err) {
    // Parsed, but not storable (nested deeper than the serializer's stack): the client's data.
    throw new HubError(
      "bad_request",
      "`data` cannot be stored (nested too deeply to serialize): send flatter JSON",
      { cause: err },
    );
  }
  const r = await broker.publish(
    p.id === undefined
      ? { ch: p.ch, data: text }
      : { ch: p.ch, data: text, id: p.id, publisher: p.publisher },
  );
  if (!r.duplicate) metrics.messagesIn.inc();
  return r;
}
