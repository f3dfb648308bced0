// Loads pack/index.ts the way Pulumi's policy runner does (require() under the PulumiPolicy.yaml
// nodeargs) and asks the served pack, over its real gRPC interface, which policies it holds.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { credentials } from "@grpc/grpc-js";
import analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb.js";
import analyzerPb, { type AnalyzerInfo } from "@pulumi/pulumi/proto/analyzer_pb.js";
import emptyPb from "google-protobuf/google/protobuf/empty_pb.js";
import { afterAll, describe, expect, it } from "vitest";
import { defaultRules } from "../rules/index.js";

const PACK_DIR = fileURLToPath(new URL("..", import.meta.url));

/** Starts the pack; resolves with its port once it prints it (bounded by the timeout). */
function servePack(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`pack printed no port: ${err}`)), timeoutMs);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\s*$/m.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`pack exited with ${code}: ${err}`));
    });
  });
}

describe("policy pack entry", () => {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "-e", 'require(process.cwd() + "/pack/index.ts")'],
    { cwd: PACK_DIR, stdio: ["ignore", "pipe", "pipe"] },
  );
  afterAll(() => {
    child.kill();
  });

  it("serves every rule as a policy with its enforcement level", async () => {
    const port = await servePack(child, 30_000);
    const client = new analyzerGrpc.AnalyzerClient(
      `127.0.0.1:${port}`,
      credentials.createInsecure(),
    );
    try {
      const info = await new Promise<AnalyzerInfo>((resolve, reject) =>
        client.getAnalyzerInfo(new emptyPb.Empty(), (e, res) => (e ? reject(e) : resolve(res))),
      );
      expect(info.getName()).toBe("wshub");
      expect(info.getVersion()).toBe("0.1.0");
      const { MANDATORY, ADVISORY } = analyzerPb.EnforcementLevel;
      const served = info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]);
      expect(served).toEqual(
        defaultRules().map((r) => [r.id, r.severity === "mandatory" ? MANDATORY : ADVISORY]),
      );
    } finally {
      client.close();
    }
  });
});
