// `tsx infra/render-cli.ts --stack <dev|prod> --out <dir> [--set key=json ...]`: writes every
// Kubernetes object of a stack as YAML (one file each, in apply order) plus index.yaml.
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { parseStackName, SettingsError } from "../contract/index.js";
import { InfraConfigError } from "./config.js";
import { type ConfigOverrides, renderStackReport } from "./render.js";

const USAGE =
  "usage: npm run infra:render -- --stack <dev|prod> --out <dir> [--set key=value ...] [-h|--help]\n" +
  "  --set takes a config key without the wshub: prefix and a JSON or plain-string value,\n" +
  "  e.g. --set image=ghcr.io/acme/wshub:1.2.3 --set 'settings={\"replicas\":8}'";

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      out: { type: "string" },
      set: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.stack || !values.out) throw new UsageError("--stack and --out are required");
  const stack = parseStackName(values.stack);
  const overrides: ConfigOverrides = {};
  for (const pair of values.set ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set ${pair}: expected key=value`);
    overrides[pair.slice(0, eq)] = parseValue(pair.slice(eq + 1));
  }
  const report = await renderStackReport(stack, overrides);
  await mkdir(values.out, { recursive: true });
  // Only files this tool wrote before are replaced, so stale objects do not linger in a diff.
  for (const f of await readdir(values.out)) {
    if (/^\d{3}-.+\.yaml$/.test(f) || f === "index.yaml") await rm(join(values.out, f));
  }
  const files: string[] = [];
  for (const [i, obj] of report.objects.entries()) {
    const file = `${String(i).padStart(3, "0")}-${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`;
    await writeFile(join(values.out, file), stringify(obj, { lineWidth: 0 }));
    files.push(file);
  }
  const index = {
    stack,
    objects: report.objects.map((o, i) => ({
      file: files[i],
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata.namespace,
      name: o.metadata.name,
    })),
    // Not Kubernetes objects: created in Vault by the same `pulumi up` (secret inputs left out).
    otherResources: report.others,
  };
  await writeFile(join(values.out, "index.yaml"), stringify(index, { lineWidth: 0 }));
  console.log(`${stack}: wrote ${files.length} objects and index.yaml to ${values.out}`);
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    const known =
      err instanceof SettingsError || err instanceof InfraConfigError || err instanceof UsageError;
    const parseError = err instanceof TypeError && "code" in err;
    if (known || parseError) {
      console.error(`infra:render: ${(err as Error).message}`);
      if (err instanceof UsageError || parseError) console.error(USAGE);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
