// Runs component constructors under the mocks and returns what they registered as plain
// objects, for the component tests.
import type * as pulumi from "@pulumi/pulumi";
import { runUnderMocks } from "../mock-runtime.js";
import { type KubeObject, toKubeObject } from "../render.js";

export interface ComponentRender {
  objects: KubeObject[];
  /** Non-Kubernetes custom resources (Vault, random) with all their inputs. */
  others: pulumi.runtime.MockResourceArgs[];
  generatedSecrets: string[];
}

/** `program` must import the component modules itself (after the mocks are set). */
export async function renderComponents(
  program: () => Promise<void>,
  stack = "prod",
): Promise<ComponentRender> {
  const run = await runUnderMocks(stack, {}, [], program);
  const kube = run.registered.filter((r) => r.type.startsWith("kubernetes:"));
  return {
    objects: kube.map(toKubeObject),
    others: run.registered.filter((r) => r.custom !== false && !r.type.startsWith("kubernetes:")),
    generatedSecrets: run.generatedSecrets,
  };
}

/** The one object of this kind (and name, if given), or a failing assertion. */
export function only(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? `/${name}` : ""}, found ${found.length}`);
  }
  return found[0] as KubeObject;
}

/** A loose view of a rendered object: tests index into it and assert the shapes. */
// biome-ignore lint/suspicious/noExplicitAny: rendered objects are untyped JSON
export type Json = Record<string, any>;
