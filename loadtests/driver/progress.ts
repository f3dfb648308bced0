// The live progress line: redrawn in place on a terminal, one throttled line otherwise (CI logs).

/** Starts writing `render()` to stderr; call the returned function to stop (and end the line). */
export function startProgress(render: () => string, enabled = true): () => void {
  if (!enabled) return () => {};
  const tty = process.stderr.isTTY === true;
  const timer = setInterval(
    () => {
      if (tty) process.stderr.write(`\r\x1b[2K${render()}`);
      else process.stderr.write(`${render()}\n`);
    },
    tty ? 250 : 5_000,
  );
  timer.unref();
  return () => {
    clearInterval(timer);
    if (tty) process.stderr.write(`\r\x1b[2K${render()}\n`);
  };
}
