// GitHub's workflow schema, through @action-validator/core (the SchemaStore schema compiled to
// WebAssembly, offline): every error as one readable line.
import { type ValidationError, validateWorkflow } from "@action-validator/core";

function lines(errors: ValidationError[] | undefined, out: string[]): string[] {
  for (const e of errors ?? []) {
    const where = "path" in e ? e.path : "";
    if ("states" in e && e.states && e.states.length > 0) {
      for (const s of e.states) lines(s.errors, out);
    } else out.push(`${where} ${e.title}${e.detail ? `: ${e.detail}` : ""}`.trim());
  }
  return out;
}

/** The schema errors of a workflow's text; empty when it is valid. */
export function schemaErrors(text: string): string[] {
  return [...new Set(lines(validateWorkflow(text).errors, []))];
}
