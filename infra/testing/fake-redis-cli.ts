// A stand-in `redis-cli` on PATH for running the Redis pod scripts with sh: it logs each call's
// arguments (and, for calls that read commands from stdin, the commands) and answers from files.
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

// An answer file NAME@HOST, when present, answers calls made with `-h HOST` instead of NAME.
const SCRIPT = `#!/bin/sh
echo "ARGS $*" >> "$FAKE_DIR/log"
HOST=""; [ "\${1:-}" = -h ] && HOST="$2"
ans() { if [ -n "$HOST" ] && [ -f "$FAKE_DIR/$1@$HOST" ]; then cat "$FAKE_DIR/$1@$HOST"; else cat "$FAKE_DIR/$1" 2>/dev/null; fi; }
case "$*" in
  *get-master-addr-by-name*) ans master ;;
  *" ping") ans ping ;;
  *" info replication") ans replication ;;
  *" cluster info") ans cluster-info ;;
  *"--cluster create"*) echo "[OK] All 16384 slots covered." ;;
  *failover*) echo OK; [ -f "$FAKE_DIR/after-failover" ] && cp "$FAKE_DIR/after-failover" "$FAKE_DIR/master"; [ -f "$FAKE_DIR/after-failover-replication" ] && cp "$FAKE_DIR/after-failover-replication" "$FAKE_DIR/replication" ;;
  *" --raw") while IFS= read -r line; do echo "STDIN $line" >> "$FAKE_DIR/log"; done; cat "$FAKE_DIR/reply" 2>/dev/null || echo OK ;;
esac
exit 0
`;

type AnswerName =
  | "master"
  | "ping"
  | "replication"
  | "cluster-info"
  | "after-failover"
  | "after-failover-replication"
  | "reply";

/** A temp dir with the fake redis-cli; `env` puts it first on PATH. */
export interface FakeRedisCli {
  dir: string;
  env: NodeJS.ProcessEnv;
  /**
   * Sets what the fake answers: `master` (get-master-addr-by-name), `ping`, `replication` (INFO
   * replication), `cluster-info`, `after-failover` (the new `master`), `after-failover-replication`
   * (the new `replication`), `reply`; `host` makes it the answer to calls with `-h host` only.
   */
  answer(name: AnswerName, text: string, host?: string): Promise<void>;
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
    answer: (name, text, host) => writeFile(join(dir, host ? `${name}@${host}` : name), text),
    log: () => readFile(join(dir, "log"), "utf8"),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}
