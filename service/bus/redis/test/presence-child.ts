// A presence node in its own process, for tests that kill it (SIGKILL: no leave, no cleanup).
// Reads its RedisPresenceOptions and one member as JSON from WSHUB_PRESENCE_CHILD, joins the
// member, prints "joined" and then only heartbeats, for at most a minute.
import { RedisPresence, type RedisPresenceOptions } from "../redis-presence.js";

type ChildSpec = {
  options: Omit<RedisPresenceOptions, "password" | "logger">;
  ch: string;
  member: { client: string; user: string; node: string };
};

const spec = JSON.parse(process.env.WSHUB_PRESENCE_CHILD ?? "{}") as ChildSpec;
const store = new RedisPresence(spec.options);
await store.start();
await store.join(spec.ch, spec.member, 100);
process.stdout.write("joined\n");
setTimeout(() => process.exit(3), 60_000);
