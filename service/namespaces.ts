// Channel namespaces (NAMESPACES or NAMESPACES_FILE): per namespace (the part of a channel name
// before its first `:`) its history, presence, join/leave, client publish and resume options.
// Channels in no listed namespace keep the global settings. Pure: parsed once at start.
import { namespaceProblems, namespacesSchema } from "../contract/index.js";
import { ConfigError } from "./errors.js";

/** What the hub does on one channel. */
export type ChannelOptions = {
  /** Kept history, or false: nothing is kept and a resume never recovers. */
  history: { size: number; ttlSeconds: number } | false;
  /** The hub tracks who is subscribed (the `presence` op). */
  presence: boolean;
  /** Subscribers receive `join` and `leave` frames (needs presence). */
  joinLeave: boolean;
  /** Clients may publish with `pub`; when false only the server API may. */
  clientPublish: boolean;
  /** A `sub` with `since` may replay missed messages. */
  recover: boolean;
};

const schema = namespacesSchema;

/** Every channel's options: its namespace's, or the global settings. */
export class ChannelPolicy {
  private readonly byNamespace: ReadonlyMap<string, ChannelOptions>;

  constructor(
    private readonly global: ChannelOptions,
    namespaces: ReadonlyMap<string, ChannelOptions> = new Map(),
  ) {
    this.byNamespace = namespaces;
  }

  /** The options of `ch`. */
  of(ch: string): ChannelOptions {
    const colon = ch.indexOf(":");
    if (colon <= 0 || this.byNamespace.size === 0) return this.global;
    return this.byNamespace.get(ch.slice(0, colon)) ?? this.global;
  }

  /** Whether any namespace tracks presence (a node then starts its presence store). */
  get anyPresence(): boolean {
    for (const o of this.byNamespace.values()) if (o.presence) return true;
    return false;
  }

  /** The namespaces by name, for logs and tests. */
  get namespaces(): ReadonlyMap<string, ChannelOptions> {
    return this.byNamespace;
  }
}

/**
 * Parses the NAMESPACES JSON (`source` names the setting in errors). Options a namespace leaves
 * out take the global ones (`global`). Throws ConfigError naming the namespace and the option.
 */
export function parseNamespaces(
  text: string,
  source: string,
  global: ChannelOptions,
): Map<string, ChannelOptions> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(
      `${source}: not valid JSON: give an object such as {"chat":{"presence":true,"joinLeave":true}}`,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const [ns, option, ...rest] = i.path.map(String);
      if (ns === undefined) return `${source}: must be an object of namespace → options`;
      if (option === undefined) return `${source}: namespace "${ns}": ${i.message}`;
      const where = [option, ...rest].join(".");
      return `${source}: namespace "${ns}", option "${where}": ${i.message}`;
    });
    throw new ConfigError(lines.join("\n  "));
  }
  const problems = namespaceProblems(parsed.data, source);
  if (problems.length > 0) throw new ConfigError(problems.join("\n  "));
  const out = new Map<string, ChannelOptions>();
  for (const [ns, o] of Object.entries(parsed.data)) {
    out.set(ns, {
      history: o.history ?? global.history,
      presence: o.presence ?? false,
      joinLeave: o.joinLeave ?? false,
      clientPublish: o.clientPublish ?? true,
      recover: o.recover ?? true,
    });
  }
  return out;
}
