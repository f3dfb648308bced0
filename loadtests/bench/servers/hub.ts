// The hub under test: its real entry (dist/service/main.js, configured from the environment)
// loaded in a process that also answers the bench's memory requests.
import { freePort } from "../../harness/free-port.js";
import { announceReady, portFromEnv, serveControl } from "./control.js";

const entry = process.env.HUB_ENTRY;
if (!entry) throw new Error("HUB_ENTRY must point at dist/service/main.js");
serveControl();
// The probes live on the internal port: pick a free one unless the caller chose it.
process.env.INTERNAL_PORT ??= String(await freePort());
await import(entry);
const url = `http://127.0.0.1:${process.env.INTERNAL_PORT}/readyz`;
const deadline = Date.now() + 20_000;
// The hub starts listening on its own schedule; ready means /readyz says so.
for (;;) {
  const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
    (r) => r.status === 200,
    () => false,
  );
  if (ok) break;
  if (Date.now() > deadline) {
    process.send?.({ type: "failed", message: `hub not ready on ${url} within 20 s` });
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}
announceReady(portFromEnv());
