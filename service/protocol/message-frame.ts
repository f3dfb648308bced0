// The `msg` frame's encoder: the hub builds each message's frame once per node from its stored
// JSON text, without parsing and re-serialising the data.

/** A stored message as the encoder needs it: `data` is already JSON text. */
export type EncodableMessage = { seq: number; data: string; id?: string };

/** The `msg` frame for a stored message, built once per message and node. */
export function messageFrame(ch: string, m: EncodableMessage): string {
  const id = m.id === undefined ? "" : `,"id":${JSON.stringify(m.id)}`;
  return `{"op":"msg","ch":${JSON.stringify(ch)},"seq":${m.seq},"data":${m.data}${id}}`;
}
