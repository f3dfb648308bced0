// What one node answers on the control plane: facts only it knows (its connections and their
// subscriptions) and actions only it can take (closing or unsubscribing its own connections).
// The server API sends these commands to every node and adds the answers up.
import type { ControlCommand, ControlHandler } from "../bus/index.js";

/** The commands of the control plane, by kind. */
export const COMMAND = {
  channel: "channel",
  disconnect: "user.disconnect",
  unsubscribe: "user.unsubscribe",
  node: "node",
} as const;

/** A local connection, as the commands see it. */
export interface CommandTarget {
  readonly user: string | undefined;
  readonly channels: ReadonlySet<string>;
  /** Closes the connection with `code` and `reason` (the API's disconnect). */
  close(code: number, reason: string, why: string): void;
  /** Ends the subscription to `ch` and tells the client why; false when it had none. */
  dropChannel(ch: string, message: string): boolean;
}

export type NodeInfo = {
  id: string;
  version: string;
  connections: number;
  /** Subscriptions of all local connections (one connection on two channels counts two). */
  subscriptions: number;
  /** Channels with at least one local subscriber. */
  channels: number;
  uptimeSeconds: number;
};

export type LocalNode = {
  connections(): Iterable<CommandTarget>;
  info(): NodeInfo;
};

function text(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== "string" || v === "") throw new Error(`the command needs a string \`${field}\``);
  return v;
}

/** The handler a node answers the control plane with. */
export function nodeCommands(local: LocalNode): ControlHandler {
  return async ({ kind, body }: ControlCommand) => {
    switch (kind) {
      case COMMAND.channel: {
        const ch = text(body, "ch");
        let subscribers = 0;
        for (const c of local.connections()) if (c.channels.has(ch)) subscribers++;
        return { subscribers };
      }
      case COMMAND.disconnect: {
        const user = text(body, "user");
        const code = typeof body.code === "number" ? body.code : 4000;
        const reason = typeof body.reason === "string" ? body.reason : "disconnected by the server";
        let connections = 0;
        for (const c of [...local.connections()]) {
          if (c.user !== user) continue;
          c.close(code, reason, "api_disconnect");
          connections++;
        }
        return { connections };
      }
      case COMMAND.unsubscribe: {
        const user = text(body, "user");
        const ch = text(body, "ch");
        let connections = 0;
        for (const c of [...local.connections()]) {
          if (c.user !== user) continue;
          if (c.dropChannel(ch, `the server unsubscribed you from "${ch}"`)) connections++;
        }
        return { connections };
      }
      case COMMAND.node:
        return local.info();
      default:
        throw new Error(`unknown command "${kind.slice(0, 32)}": this node runs another version`);
    }
  };
}
