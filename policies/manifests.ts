// Reads Kubernetes objects from YAML/JSON files: multi-document, Lists, with file and line.
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { isMap, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";
import { rec } from "./manifest-fields.js";
import type { K8sObject } from "./types.js";

/** An object and where it was written. */
export interface LoadedObject {
  readonly object: K8sObject;
  readonly file: string;
  /** 1-based line where the object starts. */
  readonly line: number;
}

/** Input that cannot be read or parsed; the message names the file (and line) to fix. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"];
// Bounds a walk into a huge tree by mistake (a home directory, a monorepo root).
const MAX_FILES = 5000;

/** True for a Kubernetes object: a map with a string kind and apiVersion. */
function isK8sObject(value: unknown): value is K8sObject {
  const r = rec(value);
  return typeof r?.kind === "string" && typeof r.apiVersion === "string";
}

/** `kind: List` or any `*List` kind with an items array (kubectl get -o yaml output). */
function isList(value: K8sObject): boolean {
  return (
    typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items)
  );
}

/** Every Kubernetes object in one YAML/JSON text; documents that are not objects are skipped. */
export function parseManifests(text: string, file: string): LoadedObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const out: LoadedObject[] = [];
  const lineOf = (node: Node | null | undefined) => lineCounter.linePos(node?.range?.[0] ?? 0).line;
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const pos = lineCounter.linePos(error.pos[0]);
      const where = `${file}:${pos.line}:${pos.col}`;
      throw new ManifestError(`${where}: invalid YAML: ${error.message.split("\n")[0]}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (!isK8sObject(value)) continue;
    if (!isList(value)) {
      out.push({ object: value, file, line: lineOf(doc.contents) });
      continue;
    }
    const itemsNode = isMap(doc.contents) ? doc.contents.get("items", true) : undefined;
    const itemNodes = isSeq(itemsNode) ? itemsNode.items : [];
    (value.items as unknown[]).forEach((item, i) => {
      if (isK8sObject(item)) {
        out.push({ object: item, file, line: lineOf(itemNodes[i] as Node | undefined) });
      }
    });
  }
  return out;
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

/** Every object in the files and directories named by `paths`, in file order, and the files. */
export async function loadManifests(
  paths: readonly string[],
): Promise<{ objects: LoadedObject[]; files: string[] }> {
  const objects: LoadedObject[] = [];
  const files = await manifestFiles(paths);
  for (const file of files) {
    const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
      throw new ManifestError(`${file}: cannot read (${e.code ?? e.message})`);
    });
    objects.push(...parseManifests(text, file));
  }
  return { objects, files };
}
