// The node control plane: one request to every live hub node, each answering for itself (its
// connections, its subscribers). The server API uses it for whatever only the nodes know. The
// answer says how many nodes were expected and how many answered in time: a node that is slow,
// frozen or cut off makes the answer partial, never late.

/** One request to every node: a kind its handler knows and a JSON body. */
export type ControlCommand = { kind: string; body: Record<string, unknown> };

/** A node's handler: the JSON answer for one command, or a thrown error (reported as failed). */
export type ControlHandler = (cmd: ControlCommand) => Promise<unknown>;

/** One node's answer. */
export type NodeAnswer =
  | { node: string; ok: true; body: unknown }
  | { node: string; ok: false; error: string };

/** Every answer that arrived within the timeout, and who was expected. */
export type Gathered = {
  answers: NodeAnswer[];
  /** Live nodes when the command was sent (the registry's), plus any other node that answered. */
  expected: number;
  /** Expected nodes that did not answer within the timeout, by id. */
  missing: string[];
  /** True when `missing` is not empty: the totals leave out what those nodes hold. */
  partial: boolean;
};

export interface ControlPlane {
  readonly kind: "memory" | "redis";
  readonly nodeId: string;
  /** Joins the cluster with the handler that answers other nodes' commands (and this node's). */
  start(handler: ControlHandler): Promise<void>;
  /**
   * Sends `cmd` to every live node, this one included, and resolves once every expected node
   * answered or `timeoutMs` passed (the partial answer). Rejects with UnavailableError when the
   * node already has MAX_CONTROL_IN_FLIGHT commands waiting or the bus is unreachable.
   */
  gather(cmd: ControlCommand, timeoutMs: number): Promise<Gathered>;
  /** Leaves the cluster (the registry forgets this node at once) and releases every resource. */
  stop(): Promise<void>;
}

/** Commands one node may have waiting for answers at once; more are refused, not queued. */
export const MAX_CONTROL_IN_FLIGHT = 64;
/** Commands one node answers at once; more are answered with an error at once. */
export const MAX_CONTROL_HANDLING = 256;
