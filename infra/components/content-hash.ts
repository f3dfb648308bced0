// Names that carry a hash of what they hold: a content change is a new object, created before the
// old one is deleted, instead of an in-place change (rolling pods, or refused for a Job).
import { createHash } from "node:crypto";

/** The first 10 hex digits of the SHA-256 of `text`. */
export function contentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 10);
}
