// The keys of the server API and what each may do. API_KEY is one key with every scope;
// API_KEYS (or API_KEYS_FILE) is a JSON list of named keys with scopes:
//   [{ "name": "billing", "key": "<random, 24+ chars>", "scopes": ["publish", "read"] }]
// Keys are compared in constant time and never appear in an error message or a log line.
import { createHash, timingSafeEqual } from "node:crypto";
import { ConfigError } from "./errors.js";

/** What a key may do: `publish` (publish, broadcast), `read` (channel info, history, presence), `admin` (users, nodes). */
export const SCOPES = ["publish", "read", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** A key as a request presents it, after it matched: its name and scopes (never the key). */
export type ApiKeyIdentity = { name: string; scopes: ReadonlySet<Scope> };

type Entry = ApiKeyIdentity & { digest: Buffer };

const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Keys API_KEYS may hold; a longer list is a mistake, not a configuration. */
export const MAX_API_KEYS = 1_000;

function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

/** Parses API_KEYS; throws ConfigError naming each bad entry (by index and name), never a key. */
export function parseApiKeys(
  text: string,
  options: { production: boolean; minLength: number },
): { name: string; key: string; scopes: Scope[] }[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(
      'API_KEYS is not JSON: write a list like [{"name":"backend","key":"<random>","scopes":["publish"]}]',
    );
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_API_KEYS)
    throw new ConfigError(
      `API_KEYS must be a JSON list of 1 to ${MAX_API_KEYS} entries {"name","key","scopes"}`,
    );
  const problems: string[] = [];
  const out: { name: string; key: string; scopes: Scope[] }[] = [];
  const names = new Map<string, number>();
  const keys = new Map<string, number>();
  value.forEach((raw: unknown, i) => {
    const e = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const label =
      typeof e.name === "string" && NAME.test(e.name)
        ? `entry ${i + 1} ("${e.name}")`
        : `entry ${i + 1}`;
    const bad = (what: string) => problems.push(`API_KEYS ${label}: ${what}`);
    for (const field of Object.keys(e))
      if (!["name", "key", "scopes"].includes(field)) bad(`unknown field "${field.slice(0, 32)}"`);
    if (typeof e.name !== "string" || !NAME.test(e.name))
      bad("`name` must be 1-64 letters, digits or _ . : -");
    else if (names.has(e.name)) bad(`the name is also used by entry ${names.get(e.name)}`);
    else names.set(e.name, i + 1);
    if (typeof e.key !== "string" || e.key.trim() !== e.key || e.key === "")
      bad("`key` must be a non-empty string without surrounding spaces");
    else if (options.production && e.key.length < options.minLength)
      bad(
        `\`key\` is shorter than ${options.minLength} characters: production needs a random key (e.g. openssl rand -hex 24)`,
      );
    else if (keys.has(e.key))
      bad(`the key is the same as entry ${keys.get(e.key)}'s: give each its own`);
    else keys.set(e.key, i + 1);
    const scopes = e.scopes;
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => SCOPES.includes(s)))
      bad(`\`scopes\` must be a non-empty list of ${SCOPES.join(", ")}`);
    if (typeof e.name === "string" && typeof e.key === "string" && Array.isArray(scopes))
      out.push({ name: e.name, key: e.key, scopes: [...new Set(scopes as Scope[])] });
  });
  if (problems.length > 0) throw new ConfigError(`invalid API keys:\n  ${problems.join("\n  ")}`);
  return out;
}

/** The keys in force: find() says which key (if any) a request presented. */
export class ApiKeyring {
  private readonly entries: Entry[];

  constructor(keys: { name: string; key: string; scopes: readonly Scope[] }[]) {
    this.entries = keys.map((k) => ({
      name: k.name,
      scopes: new Set(k.scopes),
      digest: digest(k.key),
    }));
  }

  /** No key is configured: the API is open (development only; production refuses to start). */
  get open(): boolean {
    return this.entries.length === 0;
  }

  /** The key `presented` matches, compared against every entry in constant time per entry. */
  find(presented: string): ApiKeyIdentity | undefined {
    const d = digest(presented);
    let found: Entry | undefined;
    for (const e of this.entries) if (timingSafeEqual(d, e.digest) && !found) found = e;
    return found === undefined ? undefined : { name: found.name, scopes: found.scopes };
  }
}

/**
 * The keyring of the current secret values, rebuilt when a secret file changed. A rotated
 * API_KEYS file that no longer parses keeps the last good keys and is reported through onBad.
 */
export function keyringSource(
  sources: { apiKey?: { read(): string }; apiKeys?: { read(): string } },
  options: { production: boolean; minLength: number; onBad(message: string): void },
): () => ApiKeyring {
  let raw: string | undefined;
  let ring = new ApiKeyring([]);
  return () => {
    const single = sources.apiKey?.read();
    const list = sources.apiKeys?.read();
    const next = `${single ?? ""}\u0000${list ?? ""}`;
    if (next === raw) return ring;
    raw = next;
    try {
      const keys: { name: string; key: string; scopes: readonly Scope[] }[] =
        list === undefined ? [] : parseApiKeys(list, options);
      if (single !== undefined) keys.unshift({ name: "API_KEY", key: single, scopes: SCOPES });
      ring = new ApiKeyring(keys);
    } catch (err) {
      options.onBad(err instanceof Error ? err.message : String(err));
    }
    return ring;
  };
}
