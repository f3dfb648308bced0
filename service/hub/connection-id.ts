// Connection ids: 64 random bits as 16 hex characters, drawn from a pooled buffer. randomBytes(8)
// per connection is a getrandom syscall (about 8 µs); a storm of reconnects pays it per client.
import { randomBytes } from "node:crypto";

const ID_BYTES = 8;
const POOL_IDS = 512;
let pool = Buffer.alloc(0);
let offset = 0;

/** A fresh random connection id (16 hex characters). */
export function connectionId(): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * POOL_IDS);
    offset = 0;
  }
  const id = pool.toString("hex", offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
