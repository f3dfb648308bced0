// Redis Cluster's key → slot mapping (CRC16/XMODEM of the hash tag, mod 16384), and a hash tag
// for any slot, so a node can address one channel to each shard (the per-shard bus probe).

export const SLOTS = 16384;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0);
  return crc;
}

/** The slot of `key`: only the part inside the first non-empty `{...}` counts, as in Redis. */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key)) % SLOTS;
}

const tags = new Map<number, string>();

/** A short hash tag whose slot is `slot` (found once by search, then remembered). */
export function tagForSlot(slot: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS)
    throw new RangeError(`slot ${slot} is outside 0..${SLOTS - 1}`);
  const known = tags.get(slot);
  if (known !== undefined) return known;
  // Bounded: CRC16 spreads "s0".."sN" evenly; every slot is hit well within 2^20 tries.
  for (let i = 0; i < 1 << 20; i++) {
    const tag = `s${i}`;
    const s = keySlot(tag);
    if (!tags.has(s)) tags.set(s, tag);
    if (s === slot) return tag;
  }
  throw new Error(`no hash tag found for slot ${slot}`);
}
