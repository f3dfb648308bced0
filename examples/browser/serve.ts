// `npm run example`: a hub node on its memory bus (small history, so a gap is easy to cause)
// and a static server for the example page and the SDK's browser bundle, both on 127.0.0.1.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { HubNode, loadConfig } from "../../service/index.js";

const root = join(import.meta.dirname, "../..");
const bundle = join(root, "dist/browser/wshub-client.min.js");
if (!existsSync(bundle)) {
  const r = spawnSync("npm", ["run", "--silent", "bundle"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const hubPort = Number(process.env.HUB_PORT ?? 8080);
const pagePort = Number(process.env.PAGE_PORT ?? 8081);
const node = new HubNode(
  loadConfig({
    ...process.env,
    PORT: String(hubPort),
    HOST: "127.0.0.1",
    NODE_ENV: "development",
    HISTORY_SIZE: process.env.HISTORY_SIZE ?? "20",
    HEARTBEAT_SECONDS: process.env.HEARTBEAT_SECONDS ?? "5",
    SHUTDOWN_DELAY_SECONDS: "0",
    DRAIN_SECONDS: "1",
  }),
);
await node.start();

const page = readFileSync(join(import.meta.dirname, "index.html"));
const server = createServer((req, res) => {
  const js = req.url === "/wshub-client.min.js";
  res.writeHead(200, { "content-type": js ? "text/javascript" : "text/html; charset=utf-8" });
  res.end(js ? readFileSync(bundle) : page);
});
server.listen(pagePort, "127.0.0.1", () => {
  console.log(`hub:  ws://127.0.0.1:${hubPort}/v1/ws (memory bus, history of 20 per channel)`);
  console.log(`page: http://127.0.0.1:${pagePort}/   (Ctrl-C to stop)`);
});

process.once("SIGINT", () => {
  server.close();
  void node.stop({ endpointDelay: false }).then(() => process.exit(0));
});
