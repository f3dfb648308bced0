// The history script's reply as a HistoryResult, for both Redis topologies.
import type { HistoryResult, StoredMessage } from "../broker.js";
import { type HistoryReply, parseEntry } from "./lua.js";

/** The channel's seq, epoch and the messages after `since`, with whether none is missing. */
export function historyResult(reply: HistoryReply, since: number | undefined): HistoryResult {
  const [seqRaw, epoch, entries] = reply;
  const seq = Number(seqRaw);
  if (since === undefined) return { seq, epoch, messages: [], complete: true };
  if (since >= seq) return { seq, epoch, messages: [], complete: since === seq };
  const messages: StoredMessage[] = [];
  for (const entry of entries) {
    const m = parseEntry(entry);
    if (m) messages.push(m);
  }
  const complete =
    messages[0]?.seq === since + 1 &&
    messages.length === seq - since &&
    messages.every((m, i) => m.seq === since + 1 + i);
  return { seq, epoch, messages, complete };
}
