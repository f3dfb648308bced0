// A tiny typed event emitter that runs in browsers and Node alike (no Node `events` import).

type Listener<T> = (event: T) => void;

/** Rethrows a listener's exception outside the emitter so it surfaces without breaking the emitter's caller. */
function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}

/** Typed events: `E` maps each event name to its payload. */
export class Emitter<E extends object> {
  readonly #listeners = new Map<keyof E, Set<Listener<never>>>();
  readonly #onListenerError: (err: unknown) => void;

  constructor(onListenerError: (err: unknown) => void = rethrowLater) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(name: K, fn: Listener<E[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(fn as Listener<never>);
    return () => this.off(name, fn);
  }

  /** Adds a listener that runs once. */
  once<K extends keyof E>(name: K, fn: Listener<E[K]>): () => void {
    const off = this.on(name, (event) => {
      off();
      fn(event);
    });
    return off;
  }

  off<K extends keyof E>(name: K, fn: Listener<E[K]>): void {
    this.#listeners.get(name)?.delete(fn as Listener<never>);
  }

  listenerCount(name: keyof E): number {
    return this.#listeners.get(name)?.size ?? 0;
  }

  // A throwing listener must not stop the other listeners nor the client's own state changes.
  protected emit<K extends keyof E>(name: K, event: E[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as Listener<E[K]>)(event);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }
}
