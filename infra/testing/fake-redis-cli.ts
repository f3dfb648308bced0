// A stand-in `redis-cli` on PATH for running the Redis pod scripts with sh: it logs each call's
// arguments (and, for calls that read commands from stdin, the commands) and answers from files.
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCRIPT = `#!/bin/sh
echo "ARGS $*" >> "$FAKE_DIR/log"
case "$*" in
  *get-master-addr-by-name*) cat "$FAKE_DIR/master" 2>/dev/null ;;
  *" ping") cat "$FAKE_DIR/ping" 2>/dev/null ;;
  *" info replication") cat "$FAKE_DIR/replication" 2>/dev/null ;;
  *failover*) echo OK; [ -f "$FAKE_DIR/after-failover" ] && cp "$FAKE_DIR/after-failover" "$FAKE_DIR/master" ;;
  *" --raw") while IFS= read -r line; do echo "STDIN $line" >> "$FAKE_DIR/log"; done; cat "$FAKE_DIR/reply" 2>/dev/null || echo OK ;;
esac
exit 0
`;

/** A temp dir with the fake redis-cli; `env` puts it first on PATH. */
export interface FakeRedisCli {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Sets what the fake answers: `master` (get-master-addr-by-name), `ping`, `replication` (INFO replication), `after-failover`, `reply`. */
  answer(
    name: "master" | "ping" | "replication" | "after-failover" | "reply",
    text: string,
  ): Promise<void>;
  log(): Promise<string>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates the fake in a fresh temp dir. */
export async function fakeRedisCli(): Promise<FakeRedisCli> {
  const dir = await mkdtemp(join(tmpdir(), "wshub-fake-redis-cli-"));
  await writeFile(join(dir, "redis-cli"), SCRIPT);
  await chmod(join(dir, "redis-cli"), 0o755);
  await writeFile(join(dir, "log"), "");
  return {
    dir,
    env: { PATH: `${dir}:${process.env.PATH ?? "/usr/bin:/bin"}`, FAKE_DIR: dir },
    answer: (name, text) => writeFile(join(dir, name), text),
    log: () => readFile(join(dir, "log"), "utf8"),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}
