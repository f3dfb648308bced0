// docs/api.yaml as a test oracle: every answer a test gets from the server API is checked
// against the schema the document gives for its path, method and status (ajv, JSON Schema
// 2020-12, which OpenAPI 3.1 schemas are).
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { parse } from "yaml";

export const API_DOC_PATH = new URL("../../../../docs/api.yaml", import.meta.url);
const BASE = "https://wshub.invalid/api";

type Operation = {
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
};
export type ApiDoc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, unknown>;
    responses: Record<string, { content: Record<string, { schema: unknown }> }>;
  };
};

/** The parsed document. */
export const apiDoc = parse(readFileSync(API_DOC_PATH, "utf8")) as ApiDoc;

function rebase<T>(schema: T): T {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${BASE}#/$defs/`),
  ) as T;
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema({ $id: BASE, $defs: rebase(apiDoc.components.schemas) });

const compiled = new Map<string, ValidateFunction>();
/** Every (method path status) a test saw answered, for the coverage check. */
export const seen = new Set<string>();

/** The document's path template a concrete path falls under, e.g. /v1/channels/{ch}. */
export function templateOf(path: string): string | undefined {
  const bare = path.split("?")[0] as string;
  return Object.keys(apiDoc.paths).find((t) =>
    new RegExp(`^${t.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(bare),
  );
}

/** Why `body` is not what the document promises for this answer; undefined when it is. */
export function responseProblem(
  method: string,
  path: string,
  status: number,
  body: unknown,
): string | undefined {
  const template = templateOf(path);
  if (template === undefined) return `${path} is not in docs/api.yaml`;
  const op = apiDoc.paths[template]?.[method.toLowerCase()];
  if (!op) return `${method} ${template} is not in docs/api.yaml`;
  const key = `${method.toUpperCase()} ${template} ${status}`;
  let response = op.responses[String(status)];
  if (!response) return `${key}: status ${status} is not documented`;
  if (response.$ref) {
    const name = response.$ref.split("/").pop() as string;
    response = apiDoc.components.responses[name];
  }
  const schema = response?.content?.["application/json"]?.schema;
  if (schema === undefined) return `${key}: no application/json schema`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(rebase(schema as object));
    compiled.set(key, validate);
  }
  seen.add(key);
  if (validate(body)) return undefined;
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
  return `${key}: ${JSON.stringify(body).slice(0, 300)} breaks docs/api.yaml: ${errors.slice(0, 5).join("; ")}`;
}

export type ApiReply = { status: number; body: Record<string, unknown> & { [k: string]: unknown } };

/**
 * Calls the API at `base` and checks the answer against docs/api.yaml (throws when it differs).
 * `key` null sends no Authorization header.
 */
export async function callApi(
  base: string,
  method: "GET" | "POST",
  path: string,
  options: { key?: string | null; body?: unknown; timeoutMs?: number } = {},
): Promise<ApiReply> {
  const headers: Record<string, string> = {};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const body = (await res.json()) as ApiReply["body"];
  const problem = responseProblem(method, path, res.status, body);
  if (problem !== undefined) throw new Error(problem);
  return { status: res.status, body };
}
