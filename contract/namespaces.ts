// The shape of NAMESPACES (the hub's per-namespace channel options), written once: the hub
// validates its env with it and infra validates each stack's settings with it.
import { z } from "zod";

/** A namespace's name: the part of a channel name before its first `:`. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** One namespace's options; each one left out takes the hub's global behaviour. */
export const namespaceOptionsSchema = z
  .object({
    history: z
      .union([
        z.literal(false),
        z
          .object({
            size: z.number().int().min(1).max(1_000_000),
            ttlSeconds: z.number().int().min(1),
          })
          .strict(),
      ])
      .optional(),
    presence: z.boolean().optional(),
    joinLeave: z.boolean().optional(),
    clientPublish: z.boolean().optional(),
    recover: z.boolean().optional(),
  })
  .strict();

export type NamespaceOptionsInput = z.infer<typeof namespaceOptionsSchema>;

/** NAMESPACES: namespace → options. */
export const namespacesSchema = z.record(z.string(), namespaceOptionsSchema);

/** What is wrong beyond the shape: bad names, joinLeave without presence. `source` prefixes each. */
export function namespaceProblems(
  namespaces: Record<string, NamespaceOptionsInput>,
  source: string,
): string[] {
  const problems: string[] = [];
  for (const [ns, o] of Object.entries(namespaces)) {
    if (!NAMESPACE_PATTERN.test(ns))
      problems.push(
        `${source}: namespace "${ns.slice(0, 64)}" is not a channel prefix: use 1 to 64 letters, digits and _ . - (no ":")`,
      );
    if (o.joinLeave && !o.presence)
      problems.push(
        `${source}: namespace "${ns}", option "joinLeave" needs "presence": true (join and leave are presence changes)`,
      );
  }
  return problems;
}
