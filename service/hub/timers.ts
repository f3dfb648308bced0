/** setTimeout with a count of live timers, so tests can prove none outlives its connection. */
export class TimerRegistry {
  private live = 0;

  get count(): number {
    return this.live;
  }

  /** Starts a timer; the returned function clears it (safe to call twice). */
  set(fn: () => void, ms: number): () => void {
    let done = false;
    this.live++;
    const handle = setTimeout(
      () => {
        done = true;
        this.live--;
        fn();
      },
      Math.min(Math.max(0, ms), 2_147_483_647),
    );
    handle.unref?.();
    return () => {
      if (done) return;
      done = true;
      this.live--;
      clearTimeout(handle);
    };
  }
}
