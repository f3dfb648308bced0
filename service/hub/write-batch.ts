// Frames written to one socket in one turn of the event loop leave it in one writev instead of one
// write syscall each: the socket is corked at its first frame of the turn and uncorked once,
// after everything the turn fans out (a burst of publishes, every message of one Redis reply).
// The flush runs in setImmediate, never on a timer: at low rates a frame waits only for the rest
// of the turn that produced it.

/** The part of net.Socket a batch uses (the upgraded socket of a WebSocket). */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/** Something holding a corked socket until the batch flushes it. */
export interface BatchMember {
  flushBatch(): void;
}

/**
 * Most bytes one socket keeps corked in a turn before they leave early: the extra memory a batch
 * may hold per socket, and the most a fast reader's bufferedAmount can show that the kernel did
 * not refuse. Smaller still where SLOW_CONSUMER_BYTES is small (a quarter of it).
 */
export const BATCH_FLUSH_BYTES = 16 * 1024;

/** The node's one batch: members corked this turn, flushed together after it. */
export class WriteBatch {
  private pending: BatchMember[] = [];
  private scheduled = false;
  private readonly flushAll = (): void => {
    this.scheduled = false;
    const members = this.pending;
    this.pending = [];
    for (const m of members) m.flushBatch();
  };

  constructor(private readonly schedule: (run: () => void) => void = setImmediate) {}

  /** `member` corked its socket: flush it at the end of this turn. */
  add(member: BatchMember): void {
    this.pending.push(member);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(this.flushAll);
  }

  /** Members waiting for the flush (for tests and metrics). */
  get size(): number {
    return this.pending.length;
  }
}

/** One connection's side of the batch: its socket, corked from its first frame of a turn. */
export class BatchedSocket implements BatchMember {
  /** Bytes written into the cork this turn: part of bufferedAmount, yet not refused by the peer. */
  corkedBytes = 0;
  private held = false;

  constructor(
    private readonly socket: Corkable,
    private readonly batch: WriteBatch,
    /** Flush early past this many corked bytes. */
    private readonly flushBytes: number,
  ) {}

  /** Call before writing a frame of `bytes` to the socket. */
  willWrite(bytes: number): void {
    if (!this.held) {
      this.held = true;
      this.socket.cork();
      this.batch.add(this);
    }
    this.corkedBytes += bytes;
  }

  /** Call after the write: a batch past its bound leaves now, keeping the buffer's meaning. */
  wrote(): void {
    if (this.corkedBytes >= this.flushBytes) this.flushBatch();
  }

  /** Uncorks: the frames of this turn go out in one writev. */
  flushBatch(): void {
    if (!this.held) return;
    this.held = false;
    this.corkedBytes = 0;
    this.socket.uncork();
  }
}

/** The early-flush bound for a connection whose slow-consumer bound is `slowConsumerBytes`. */
export function batchFlushBytes(slowConsumerBytes: number): number {
  return Math.max(1, Math.min(BATCH_FLUSH_BYTES, Math.floor(slowConsumerBytes / 4)));
}
