// The pure part of a control plane: pending commands, their answers, their deadline and the bound
// on how many may wait at once. Both control planes (memory, Redis) collect answers through it.
import { UnavailableError } from "../errors.js";
import {
  type ControlHandler,
  type Gathered,
  MAX_CONTROL_HANDLING,
  MAX_CONTROL_IN_FLIGHT,
  type NodeAnswer,
} from "./control.js";

type Pending = {
  expected: Set<string>;
  answers: Map<string, NodeAnswer>;
  resolve: (g: Gathered) => void;
  timer: NodeJS.Timeout;
};

/** Pending commands by id; answers for unknown or finished ids are dropped. */
export class GatherTable {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly maxInFlight = MAX_CONTROL_IN_FLIGHT) {}

  get inFlight(): number {
    return this.pending.size;
  }

  /** Throws UnavailableError when the bound is reached, before anything is sent. */
  assertRoom(): void {
    if (this.pending.size >= this.maxInFlight)
      throw new UnavailableError(
        `this node already waits on ${this.maxInFlight} cluster requests: retry in a moment`,
      );
  }

  /** Registers command `id` expecting `expected`; resolves when all answered or at `timeoutMs`. */
  open(id: string, expected: Iterable<string>, timeoutMs: number): Promise<Gathered> {
    this.assertRoom();
    return new Promise<Gathered>((resolve) => {
      const p: Pending = {
        expected: new Set(expected),
        answers: new Map(),
        resolve,
        timer: setTimeout(() => this.finish(id), timeoutMs),
      };
      this.pending.set(id, p);
      if (p.expected.size === 0) this.finish(id);
    });
  }

  /** Adds the expected nodes learnt after open() (the registry read races the first answers). */
  expect(id: string, nodes: Iterable<string>): void {
    const p = this.pending.get(id);
    if (!p) return;
    for (const n of nodes) p.expected.add(n);
    this.finishIfComplete(id, p);
  }

  /** Records one node's answer to command `id`. */
  answer(id: string, a: NodeAnswer): void {
    const p = this.pending.get(id);
    if (!p || p.answers.has(a.node)) return;
    p.answers.set(a.node, a);
    this.finishIfComplete(id, p);
  }

  /** Resolves command `id` now with what it has (it could not be sent). */
  close(id: string): void {
    this.finish(id);
  }

  /** Resolves every pending command now, as partial (the node is stopping). */
  closeAll(): void {
    for (const id of [...this.pending.keys()]) this.finish(id);
  }

  private finishIfComplete(id: string, p: Pending): void {
    for (const n of p.expected) if (!p.answers.has(n)) return;
    if (p.expected.size > 0) this.finish(id);
  }

  private finish(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    const missing = [...p.expected].filter((n) => !p.answers.has(n)).sort();
    const all = new Set([...p.expected, ...p.answers.keys()]);
    p.resolve({
      answers: [...p.answers.values()].sort((a, b) => a.node.localeCompare(b.node)),
      expected: all.size,
      missing,
      partial: missing.length > 0,
    });
  }
}

/** Runs a handler for one incoming command, bounded in concurrency; never throws. */
export class HandlerRunner {
  private running = 0;
  private handler: ControlHandler | undefined;

  constructor(
    private readonly nodeId: string,
    private readonly maxRunning = MAX_CONTROL_HANDLING,
  ) {}

  set(handler: ControlHandler): void {
    this.handler = handler;
  }

  async run(kind: string, body: Record<string, unknown>): Promise<NodeAnswer> {
    const node = this.nodeId;
    if (!this.handler) return { node, ok: false, error: "this node is not started" };
    if (this.running >= this.maxRunning)
      return { node, ok: false, error: `this node is answering ${this.maxRunning} commands: busy` };
    this.running++;
    try {
      return { node, ok: true, body: await this.handler({ kind, body }) };
    } catch (err) {
      return { node, ok: false, error: err instanceof Error ? err.message : String(err) };
    } finally {
      this.running--;
    }
  }
}
