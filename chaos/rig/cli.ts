import { parseRigArgs, RigUsageError, USAGE } from "./cli-args.js";
import { RigError } from "./errors.js";
import { buildHubImage, cleanupLabelled, ensureEngine, ensureImages } from "./index.js";

async function main(argv: readonly string[]): Promise<void> {
  const started = Date.now();
  let parsed: ReturnType<typeof parseRigArgs>;
  try {
    parsed = parseRigArgs(argv);
  } catch (error) {
    if (!(error instanceof RigUsageError)) throw error;
    // Bad usage: the usage text (in the message) on stderr, exit 2, nothing started.
    process.stderr.write(`[rig] USAGE: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  switch (parsed.command) {
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return;
    case "engine":
      await ensureEngine();
      break;
    case "images":
    case "all":
      await ensureEngine();
      await ensureImages({ pull: parsed.pull });
      break;
    case "hub-image":
      await ensureEngine();
      await ensureImages();
      await buildHubImage({
        tag: parsed.tags,
        mode: parsed.mode,
        buildArgs: parsed.buildArgs,
        ...(parsed.caFile === undefined ? {} : { caFile: parsed.caFile }),
      });
      break;
    case "cleanup":
      await cleanupLabelled({ scope: "all" });
      break;
  }
  process.stderr.write(
    `[rig] ${parsed.command} ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`[rig] ${error instanceof RigError ? `${error.code}: ` : ""}${message}\n`);
  process.exitCode = 1;
});
