// A consumer of the installed package: both entry points, typed, run against a real hub.
import { HubClient, type HubClientError, type SubscribedEvent } from "wshub/client";
import { createNodeClient } from "wshub/client/node";

// No @types/node in this project: the SDK's types must not need them.
declare const process: { argv: string[] };
const url = process.argv[2] as string;
// The browser entry needs a WebSocket constructor; without one it says what to do.
let refusal = "";
try {
  new HubClient({ urls: url });
} catch (err) {
  refusal = (err as HubClientError).code;
}
// @ts-expect-error: the types are real, not `any`: a misspelt option does not compile.
createNodeClient({ urls: url, heartbeatTimeoutMS: 1 });
const client = createNodeClient({ urls: url, heartbeatTimeoutMs: 5_000 });
const received: unknown[] = [];
client.on("message", (m) => received.push(m.data));
const hello = await client.connect();
const sub: SubscribedEvent = await client.subscribe("pack:1");
const ok = await client.publish("pack:1", { hello: "from the tarball" });
for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
await client.close();
console.log(JSON.stringify({ refusal, version: hello.node.length > 0, sub, ok, received }));
