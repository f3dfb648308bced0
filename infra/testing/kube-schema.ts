// Validates rendered objects: built-in kinds against kubernetes-models (types, formats,
// required fields) plus an unknown-field walk over its type declarations (validate() accepts
// typos); custom resources against strict schemas of the CRD fields we emit.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { KubeObject } from "../render.js";
import { CUSTOM_RESOURCE_SCHEMAS } from "./crd-schemas.js";

const require = createRequire(import.meta.url);
const MODELS_DIR = dirname(require.resolve("kubernetes-models/package.json"));
const APIMACHINERY_DIR = dirname(require.resolve("@kubernetes-models/apimachinery/package.json"));

type Fields = Map<string, string>;
let interfaces: Map<string, Fields> | undefined;

/** Every interface of the models' .d.ts files by canonical name (IIoK8s...), with field types. */
function modelInterfaces(): Map<string, Fields> {
  if (interfaces) return interfaces;
  interfaces = new Map();
  for (const dir of [MODELS_DIR, APIMACHINERY_DIR]) {
    for (const file of walk(dir)) parseDeclarations(readFileSync(file, "utf8"), interfaces);
  }
  return interfaces;
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith("_")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith(".d.ts")) yield path;
  }
}

// The generated files declare `export interface IShort { "field"?: Type; ... }` and then
// `export { IShort as IIoK8sLongName, ... }`; nested map types span lines until `};`.
function parseDeclarations(text: string, into: Map<string, Fields>): void {
  const local = new Map<string, Fields>();
  const decl = /export interface (\w+)(?: extends [\w, ]+)? \{\n([\s\S]*?)\n\}/g;
  for (const m of text.matchAll(decl)) {
    const fields: Fields = new Map();
    const body = m[2] ?? "";
    const field = /^ {4}"([^"]+)"\??: ([\s\S]*?);$(?=\n {4}"|\n?$)/gm;
    for (const f of body.matchAll(field)) fields.set(f[1] ?? "", (f[2] ?? "").trim());
    local.set(m[1] ?? "", fields);
  }
  for (const m of text.matchAll(/export \{ ([^}]+) \}/g)) {
    for (const pair of (m[1] ?? "").split(",")) {
      const [short, long] = pair.trim().split(/\s+as\s+/);
      const fields = short ? local.get(short) : undefined;
      if (fields && long) into.set(long, fields);
    }
  }
}

/** Paths in `value` that its declared type does not have. */
export function unknownFields(value: unknown, type: string, path = ""): string[] {
  const t = type.trim();
  const array = /^Array<([\s\S]+)>$/.exec(t);
  if (array) {
    if (!Array.isArray(value)) return [];
    return value.flatMap((v, i) => unknownFields(v, array[1] ?? "", `${path}[${i}]`));
  }
  const map = /^\{\s*\[key: string\]: ([\s\S]+?);\s*\}$/.exec(t);
  if (map) {
    if (typeof value !== "object" || value === null) return [];
    return Object.entries(value).flatMap(([k, v]) =>
      unknownFields(v, map[1] ?? "", `${path}.${k}`),
    );
  }
  const fields = modelInterfaces().get(t);
  if (!fields || typeof value !== "object" || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const fieldType = fields.get(k);
    if (fieldType === undefined) return [`${path}.${k}`.replace(/^\./, "")];
    return unknownFields(v, fieldType, `${path}.${k}`);
  });
}

/** The canonical interface name of a built-in kind, e.g. IIoK8sApiAppsV1Deployment. */
function rootType(apiVersion: string): string | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
  if (!group || !version) return undefined;
  const g = group === "core" ? "Core" : pascal(group.replace(/\.k8s\.io$/, ""));
  return `IIoK8sApi${g}${pascal(version)}`;
}

function pascal(s: string): string {
  return s
    .split(/[.-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join("");
}

/** Every problem with one object; an empty list means it is valid. */
export function validateKubeObject(obj: KubeObject): string[] {
  const id = `${obj.kind}/${obj.metadata.name}`;
  const custom = CUSTOM_RESOURCE_SCHEMAS[`${obj.apiVersion}/${obj.kind}`];
  if (custom) {
    const r = custom.safeParse(obj);
    return r.success ? [] : r.error.issues.map((i) => `${id}: ${i.path.join(".")}: ${i.message}`);
  }
  const modelPath = obj.apiVersion.includes("/") ? obj.apiVersion : `v1`;
  type ModelClass = new (data: unknown) => { validate(): void };
  let Model: ModelClass | undefined;
  try {
    // require, not import(): the path is computed, and kubernetes-models exports CJS for it.
    const mod = require(`kubernetes-models/${modelPath}/${obj.kind}`) as Record<string, ModelClass>;
    Model = mod[obj.kind];
  } catch {
    return [`${id}: no schema for ${obj.apiVersion} ${obj.kind}`];
  }
  if (!Model) return [`${id}: kubernetes-models has no ${obj.apiVersion} ${obj.kind}`];
  const problems: string[] = [];
  try {
    new Model(obj).validate();
  } catch (err) {
    problems.push(`${id}: ${(err as Error).message}`);
  }
  const root = `${rootType(obj.apiVersion)}${obj.kind}`;
  if (!modelInterfaces().has(root)) return [...problems, `${id}: no type declaration ${root}`];
  for (const p of unknownFields(obj, root)) problems.push(`${id}: unknown field ${p}`);
  return problems;
}
