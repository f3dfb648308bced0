// Test support: fresh copies of the compliant fixture set, a path setter to break them, and a
// one-rule runner.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { kindOf, nameOf } from "./manifest-fields.js";
import { parseManifests } from "./manifests.js";
import { optionsFor } from "./options.js";
import type { K8sObject, PolicyOptions, RuleFactory, Violation } from "./types.js";

const GOOD_FILE = fileURLToPath(new URL("./fixtures/good/wshub.yaml", import.meta.url));
const GOOD_TEXT = readFileSync(GOOD_FILE, "utf8");

type Obj = Record<string, unknown>;

/** A fresh, mutable copy of every object in fixtures/good/wshub.yaml. */
export function goodObjects(): Obj[] {
  return parseManifests(GOOD_TEXT, GOOD_FILE).map((o) => structuredClone(o.object) as Obj);
}

/** The object of that kind and name in the set; throws when absent (a broken fixture). */
export function find(objects: readonly Obj[], kind: string, name: string): Obj {
  const found = objects.find((o) => kindOf(o) === kind && nameOf(o) === name);
  if (!found) throw new Error(`fixture has no ${kind} ${name}`);
  return found;
}

/** Sets (or, with undefined, deletes) the field at a dotted path; numeric parts index arrays. */
export function setPath(obj: Obj, path: string, value: unknown): Obj {
  const parts = path.split(".");
  let cursor: Record<string, unknown> = obj;
  for (const part of parts.slice(0, -1)) {
    const next = cursor[part];
    if (typeof next !== "object" || next === null) {
      cursor[part] = {};
    }
    cursor = cursor[part] as Record<string, unknown>;
  }
  const last = parts.at(-1) ?? "";
  if (value === undefined) delete cursor[last];
  else cursor[last] = value;
  return obj;
}

/** Runs one rule (at its default level) on `obj` with `objects` as the whole set. */
export function runRule(
  factory: RuleFactory,
  obj: K8sObject,
  objects: readonly K8sObject[] = [obj],
  options: PolicyOptions = optionsFor("prod"),
): Violation[] {
  const rule = factory();
  return rule.check(obj, { objects, options, knownRuleIds: new Set([rule.id]) });
}

/** Violations of one rule over every object of the set. */
export function runRuleOnAll(
  factory: RuleFactory,
  objects: readonly K8sObject[],
  options?: PolicyOptions,
): Violation[] {
  return objects.flatMap((o) => runRule(factory, o, objects, options));
}

export const HUB_CONTAINER = "spec.template.spec.containers.0";
export const HUB_POD = "spec.template.spec";
