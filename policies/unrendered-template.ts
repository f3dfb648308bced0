// Finds template syntax (Helm, gomplate: `{{ ... }}`) where YAML expects a node: the sign of a
// chart that was never rendered. `{{` inside quoted or plain scalars (Vault agent templates,
// Prometheus annotations) is data and is left alone.
import { Lexer } from "yaml";

// The lexer's control tokens take no room in the source.
const ZERO_WIDTH = new Set(["\u0002", "\u0018", "\u001f"]);

/** Offsets of every `{{` the YAML lexer reads as two flow-mapping openers, in order. */
export function templateMarkerOffsets(text: string): number[] {
  const offsets: number[] = [];
  let offset = 0;
  let previous = "";
  for (const token of new Lexer().lex(text)) {
    if (ZERO_WIDTH.has(token)) continue;
    if (token === "{" && previous === "{") offsets.push(offset - 1);
    previous = token;
    offset += token.length;
  }
  return offsets;
}
