// The JSON Schema of every frame (frames.schema.json) compiled once with ajv, for tests that
// check each frame a hub or a client sends.
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";

export const SCHEMA_PATH = new URL("../frames.schema.json", import.meta.url);

/** The parsed schema document. */
export const frameSchema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as {
  definitions: Record<string, unknown> & { errorCode: { enum: string[] } };
};

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addSchema(frameSchema, "frames");
const validators: Record<"client" | "server", ValidateFunction> = {
  client: ajv.getSchema("frames#/definitions/client") as ValidateFunction,
  server: ajv.getSchema("frames#/definitions/server") as ValidateFunction,
};

/** Why `frame` is not a valid frame sent by `from`, or undefined when it is. */
export function frameProblem(from: "client" | "server", frame: unknown): string | undefined {
  const validate = validators[from];
  if (validate(frame)) return undefined;
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
  return `${JSON.stringify(frame).slice(0, 300)} is not a valid ${from} frame: ${errors.slice(0, 6).join("; ")}`;
}

/** Frames that broke the schema, kept until a test asks (a socket handler must not throw). */
export class SchemaViolations {
  readonly found: string[] = [];

  /** Checks one frame received as text; records what is wrong with it. */
  check(from: "client" | "server", text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.found.push(`${text.slice(0, 200)} is not JSON`);
      return;
    }
    const problem = frameProblem(from, frame);
    if (problem) this.found.push(problem);
  }

  /** Returns and forgets what was found. */
  take(): string[] {
    return this.found.splice(0);
  }
}
