// The control plane inside one process: every node that joined the same group answers. A node
// on the memory bus alone is a group of one; tests put several in-process nodes in one group.
import { randomBytes } from "node:crypto";
import { UnavailableError } from "../errors.js";
import type { ControlCommand, ControlHandler, ControlPlane, Gathered } from "./control.js";
import { GatherTable, HandlerRunner } from "./control-gather.js";

/** The nodes of one process that see each other's commands. */
export class MemoryControlGroup {
  readonly members = new Map<string, MemoryControlPlane>();
}

export class MemoryControlPlane implements ControlPlane {
  readonly kind = "memory";
  private readonly table = new GatherTable();
  private readonly runner: HandlerRunner;
  private stopped = false;

  constructor(
    readonly nodeId: string,
    private readonly group: MemoryControlGroup = new MemoryControlGroup(),
  ) {
    this.runner = new HandlerRunner(nodeId);
  }

  async start(handler: ControlHandler): Promise<void> {
    if (this.group.members.has(this.nodeId) && this.group.members.get(this.nodeId) !== this)
      throw new UnavailableError(`node id ${this.nodeId} is already in this control group`);
    this.runner.set(handler);
    this.group.members.set(this.nodeId, this);
  }

  async gather(cmd: ControlCommand, timeoutMs: number): Promise<Gathered> {
    if (this.stopped) throw new UnavailableError("the node is stopping: retry on another node");
    const id = randomBytes(8).toString("hex");
    const members = [...this.group.members.values()];
    const done = this.table.open(
      id,
      members.map((m) => m.nodeId),
      timeoutMs,
    );
    for (const m of members) {
      // A copy, as the wire would make: no handler shares objects with the caller.
      const body = JSON.parse(JSON.stringify(cmd.body)) as Record<string, unknown>;
      void m.runner.run(cmd.kind, body).then((a) => this.table.answer(id, a));
    }
    return done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.group.members.get(this.nodeId) === this) this.group.members.delete(this.nodeId);
    this.table.closeAll();
  }
}
