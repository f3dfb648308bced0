// Resumes of one channel that wait together share one history read: read from the oldest
// `since` among them, then each gets the answer a read from its own `since` would have given.
// In a reconnect storm that turns one Redis round trip per client into one per channel batch.
import type { HistoryResult } from "../bus/index.js";

/**
 * What `history(ch, since)` answers, derived from `h` = `history(ch, from)` with `from <= since`
 * (the Broker contract: messages after `since`; complete when every one of them is still held).
 */
export function historySince(h: HistoryResult, from: number, since: number): HistoryResult {
  if (since < from) throw new RangeError(`since ${since} is older than the read from ${from}`);
  const { seq, epoch } = h;
  if (since >= seq) return { seq, epoch, messages: [], complete: since === seq };
  const messages = since === from ? h.messages : h.messages.filter((m) => m.seq > since);
  const complete =
    messages.length === seq - since && messages.every((m, i) => m.seq === since + 1 + i);
  return { seq, epoch, messages, complete };
}
