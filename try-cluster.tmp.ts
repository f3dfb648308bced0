import { RedisClusterContainer } from "./testkit/redis-cluster.js";
import { BrokerSet } from "./service/test/redis-containers.js";
const t0 = Date.now();
const c = await new RedisClusterContainer().start();
console.log("started in", Date.now() - t0, c.nodes);
const set = new BrokerSet();
const b = set.createCluster(c.nodes, { nodeId: "x", minReplicas: 1, logger: { info: console.log, warn: console.log, error: console.log } });
try { await b.start(); console.log(await b.publish({ ch: "a", data: "1" })); } catch (e) { console.log("ERR", e); }
await set.stopAll();
await c.stop();
