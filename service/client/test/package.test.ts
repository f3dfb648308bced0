// The SDK as a user installs it: `npm pack` (which builds through `prepare`), the tarball
// installed into a fresh project from the local npm cache, a consumer type-checked against both
// entry points and run against a real hub started from the installed package itself.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HubProcess,
  REPO_ROOT,
  startHubProcess,
} from "../../../loadtests/harness/hub-process.js";

/**
 * The budget of the browser bundle, min+gzip (docs/protocol.md states the measured size): 8 KB
 * held protocol 1.1 (6.4 KB); 1.2's presence, channel tokens and move bring it to 8.1 KB; the
 * client split into its parts (channels, move, token source) takes it to 8.6 KB.
 */
const BUNDLE_BUDGET_BYTES = 9 * 1024;

let dir: string;
let hub: HubProcess | undefined;

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", timeout: 240_000, stdio: "pipe" });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${e.message}\n${e.stdout}\n${e.stderr}`);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wshub-pack-"));
  const packed = JSON.parse(
    run("npm", ["pack", "--json", "--pack-destination", dir], REPO_ROOT),
  ) as { filename: string }[];
  const tarball = join(dir, packed[0]?.filename as string);
  const app = join(dir, "app");
  run("mkdir", ["-p", app], dir);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  // Offline-capable: everything the tarball depends on is in the local npm cache.
  run(
    "npm",
    ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"],
    app,
  );
  copyFileSync(join(import.meta.dirname, "consumer/consumer.ts"), join(app, "consumer.ts"));
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2023", "DOM"],
        strict: true,
        types: [],
        outDir: "out",
      },
      files: ["consumer.ts"],
    }),
  );
}, 600_000);

afterAll(async () => {
  await hub?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the packed SDK", () => {
  const app = () => join(dir, "app");
  const installed = () => join(app(), "node_modules/wshub");

  it("type-checks a consumer against wshub/client and wshub/client/node", () => {
    const tsc = join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    // Compiles (and emits for the next test); a type error fails with tsc's message.
    run(process.execPath, [tsc, "-p", "tsconfig.json"], app());
  });

  it("runs the consumer against a real hub started from the installed package", async () => {
    hub = await startHubProcess({
      nodeId: "packed",
      entry: join(installed(), "dist/service/main.js"),
    });
    const out = run(process.execPath, [join(app(), "out/consumer.js"), hub.wsUrl], app());
    const result = JSON.parse(out.trim().split("\n").at(-1) as string);
    expect(result).toEqual({
      refusal: "invalid_option",
      version: true,
      sub: { ch: "pack:1", seq: 0, epoch: expect.any(String) },
      ok: { id: expect.any(String), ch: "pack:1", seq: 1 },
      received: [{ hello: "from the tarball" }],
    });
  });

  it("ships a browser ESM bundle within its size budget, with the schema and types", () => {
    const bundle = readFileSync(join(installed(), "dist/browser/wshub-client.min.js"));
    const gz = gzipSync(bundle, { level: 9 }).length;
    console.log(`browser bundle: ${bundle.length} B minified, ${gz} B min+gzip`);
    expect(gz).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
    expect(bundle.toString()).toMatch(/export\s*\{[^}]*HubClient/);
    expect(bundle.toString()).not.toMatch(/from\s*"(node:|ws")/);
    const manifest = JSON.parse(readFileSync(join(installed(), "package.json"), "utf8"));
    expect(Object.keys(manifest.exports)).toEqual(
      expect.arrayContaining(["./client", "./client/node", "./client/browser"]),
    );
    const schema = join(installed(), "service/protocol/frames.schema.json");
    expect(JSON.parse(readFileSync(schema, "utf8")).definitions.hello).toBeDefined();
  });
});
