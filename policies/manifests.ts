// Reads Kubernetes objects from YAML/JSON files: multi-document, Lists, with file and position,
// and says what it could not check (broken YAML, unrendered templates, non-Kubernetes documents).
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { isMap, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";
import { type Position, positionFinder } from "./field-position.js";
import { rec } from "./manifest-fields.js";
import type { K8sObject } from "./types.js";
import { templateMarkerOffsets } from "./unrendered-template.js";

/** An object and where it was written. */
export interface LoadedObject {
  readonly object: K8sObject;
  readonly file: string;
  /** 1-based line where the object starts. */
  readonly line: number;
  /** 1-based column where the object starts. */
  readonly column: number;
  /** Where a field path of this object is written (its nearest written ancestor if absent). */
  readonly locate: (path: string | undefined) => Position;
}

/** What kind of input could not be checked. */
export type InputNoticeCode =
  | "invalid-yaml"
  | "unrendered-template"
  | "missing-api-version"
  | "missing-kind"
  | "not-kubernetes"
  | "no-objects";

/**
 * A document the check could not read as a Kubernetes object. `error` stops the check (exit 2):
 * nothing reliable can be said about a set with holes in it; `warning` is reported and skipped.
 */
export interface InputNotice {
  readonly code: InputNoticeCode;
  readonly level: "error" | "warning";
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** Everything read from one text. */
export interface ParsedManifests {
  readonly objects: LoadedObject[];
  readonly notices: InputNotice[];
}

/** Input that cannot be read or parsed; the message names the file (and line) to fix. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"];
// Bounds a walk into a huge tree by mistake (a home directory, a monorepo root).
const MAX_FILES = 5000;

/** `kind: List` or any `*List` kind with an items array (kubectl get -o yaml output). */
function isList(value: K8sObject): boolean {
  return (
    typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items)
  );
}

/** The notice for a value that is not a Kubernetes object; undefined when it is one. */
function shapeProblem(value: unknown): Pick<InputNotice, "code" | "level" | "message"> | undefined {
  const r = rec(value);
  const hasKind = typeof r?.kind === "string";
  const hasApiVersion = typeof r?.apiVersion === "string";
  if (hasKind && hasApiVersion) return undefined;
  if (hasKind) {
    return {
      code: "missing-api-version",
      level: "error",
      message: `kind ${String(r?.kind)} has no apiVersion: the API server rejects it; add apiVersion (e.g. apps/v1)`,
    };
  }
  if (hasApiVersion) {
    return {
      code: "missing-kind",
      level: "error",
      message: `apiVersion ${String(r?.apiVersion)} has no kind: the API server rejects it; add kind`,
    };
  }
  return {
    code: "not-kubernetes",
    level: "warning",
    message: "not a Kubernetes object (no apiVersion and kind): skipped",
  };
}

/** Every Kubernetes object in one YAML/JSON text, and notices for what is not one. */
export function readManifests(text: string, file: string): ParsedManifests {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const objects: LoadedObject[] = [];
  const notices: InputNotice[] = [];
  const notice = (offset: number, n: Pick<InputNotice, "code" | "level" | "message">) => {
    const { line, col } = lineCounter.linePos(offset);
    notices.push({ ...n, file, line, column: col });
  };
  // A chart that was never rendered is reported as such, not as the YAML errors it causes.
  const markers = templateMarkerOffsets(text);
  if (markers.length > 0) {
    for (const offset of markers) {
      notice(offset, {
        code: "unrendered-template",
        level: "error",
        message:
          "template syntax ({{ ... }}) where YAML expects a value: render the chart first (helm template ...) and check its output",
      });
    }
    return { objects, notices };
  }
  const add = (value: unknown, node: Node | null | undefined) => {
    const at = node?.range?.[0] ?? 0;
    const problem = shapeProblem(value);
    if (problem) {
      notice(at, problem);
      return;
    }
    const { line, col } = lineCounter.linePos(at);
    const locate = node ? positionFinder(node, lineCounter) : () => ({ line, column: col });
    objects.push({ object: value as K8sObject, file, line, column: col, locate });
  };
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        notice(error.pos[0], {
          code: "invalid-yaml",
          level: "error",
          message: `invalid YAML: ${error.message.split("\n")[0]}`,
        });
      }
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    // Empty documents (a trailing `---`, Helm's skipped templates) hold nothing to report.
    if (value === null || value === undefined) continue;
    const r = rec(value);
    if (r === undefined || !isList(r)) {
      add(value, doc.contents);
      continue;
    }
    const itemsNode = isMap(doc.contents) ? doc.contents.get("items", true) : undefined;
    const itemNodes = isSeq(itemsNode) ? itemsNode.items : [];
    (r.items as unknown[]).forEach((item, i) => {
      add(item, (itemNodes[i] as Node | undefined) ?? doc.contents);
    });
  }
  return { objects, notices };
}

/** Every Kubernetes object in one text; throws a ManifestError on the first input error. */
export function parseManifests(text: string, file: string): LoadedObject[] {
  const { objects, notices } = readManifests(text, file);
  const error = notices.find((n) => n.level === "error");
  if (error) {
    throw new ManifestError(`${error.file}:${error.line}:${error.column}: ${error.message}`);
  }
  return objects;
}

/** The manifest files named by `paths`: files as given, directories walked for YAML/JSON. */
export async function manifestFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new ManifestError(`${path}: no such file or directory`);
    });
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const entries = await readdir(path, { recursive: true, withFileTypes: true });
    const found = entries
      .filter((e) => e.isFile() && MANIFEST_EXTENSIONS.some((x) => e.name.endsWith(x)))
      .map((e) => join(e.parentPath, e.name))
      .filter((f) => !/(^|[/\\])(node_modules|\.[^/\\]+)([/\\]|$)/.test(relative(path, f)))
      .sort();
    if (found.length === 0) {
      throw new ManifestError(`${path}: no .yaml, .yml or .json files in this directory`);
    }
    files.push(...found);
    if (files.length > MAX_FILES) {
      throw new ManifestError(
        `${path}: more than ${MAX_FILES} manifest files; name a narrower directory`,
      );
    }
  }
  return files;
}

/** Every object in the files and directories named by `paths`, with the notices and files. */
export async function loadManifests(
  paths: readonly string[],
): Promise<{ objects: LoadedObject[]; notices: InputNotice[]; files: string[] }> {
  const objects: LoadedObject[] = [];
  const notices: InputNotice[] = [];
  const files = await manifestFiles(paths);
  for (const file of files) {
    const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
      throw new ManifestError(`${file}: cannot read (${e.code ?? e.message})`);
    });
    const parsed = readManifests(text, file);
    objects.push(...parsed.objects);
    notices.push(...parsed.notices);
  }
  return { objects, notices, files };
}
