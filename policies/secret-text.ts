// How the rules recognise a secret in a name, a value or a command line. Messages built from
// these facts never repeat the secret itself.

const SECRET_WORDS = new Set([
  "PASSWORD",
  "PASSWD",
  "PASS",
  "PWD",
  "PASSPHRASE",
  "SECRET",
  "TOKEN",
  "KEY",
  "APIKEY",
  "CREDENTIAL",
  "CREDENTIALS",
  "REQUIREPASS",
  "MASTERAUTH",
]);
// A last word that makes the name a pointer to, or a setting about, the secret: not the secret.
const NOT_A_VALUE = new Set(["FILE", "PATH", "DIR", "FILENAME", "ID", "TTL", "SECONDS"]);

function words(name: string): string[] {
  return name
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
}

/** True when a variable, key or flag name says it holds a secret value. */
export function isSecretName(name: string): boolean {
  const parts = words(name);
  const last = parts.at(-1);
  if (last === undefined || NOT_A_VALUE.has(last)) return false;
  // A public key is meant to be shared.
  if (parts.includes("PUBLIC")) return false;
  return parts.some((w) => SECRET_WORDS.has(w));
}

/** True for a secret-sounding name ending in NAME (`TLS_SECRET_NAME`): it may name a Secret. */
export function namesAnObject(name: string): boolean {
  return words(name).at(-1) === "NAME";
}

/** True when the value reads like a Kubernetes object name rather than a secret. */
export function looksLikeObjectName(value: string): boolean {
  return value.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value);
}

/** True for a value taken from elsewhere at run time: `$(VAR)`, `${VAR}`, `$VAR`, `"$(cat f)"`. */
export function isReference(value: string): boolean {
  return /^["']?\$/.test(value.trim());
}

/** True when a literal secret value is present (not empty, not a reference). */
export function isLiteralSecret(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== "" && !isReference(value);
}

/** True when the text holds a URL with a password in it: `scheme://user:password@host`. */
export function hasUrlCredentials(text: string): boolean {
  for (const m of text.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:([^\s/@]+)@/gi)) {
    if (m[1] !== undefined && !isReference(m[1])) return true;
  }
  return false;
}

// Clients that take a password as a short option: redis-cli -a <pw>, mysql -p<pw>.
const SHORT_PASSWORD_FLAGS: Readonly<Record<string, { flag: string; attachedOnly: boolean }>> = {
  "redis-cli": { flag: "-a", attachedOnly: false },
  mysql: { flag: "-p", attachedOnly: true },
  mysqladmin: { flag: "-p", attachedOnly: true },
  mysqldump: { flag: "-p", attachedOnly: true },
};

/** A secret found in a command line: which token, and what it is (never the value). */
export interface CommandLineSecret {
  readonly token: number;
  readonly what: string;
}

/** The first secret a command line gives away: a secret flag, a client password, a URL password. */
export function secretInCommandLine(tokens: readonly string[]): CommandLineSecret | undefined {
  const clean = tokens.map((t) => t.replace(/^["']|["';]$/g, ""));
  let client: { name: string; flag: string; attachedOnly: boolean } | undefined;
  for (const [i, token] of clean.entries()) {
    const next = clean[i + 1];
    const base = token.slice(token.lastIndexOf("/") + 1);
    const known = SHORT_PASSWORD_FLAGS[base];
    if (known) client = { name: base, ...known };
    if (hasUrlCredentials(token)) return { token: i, what: "a URL with a password" };
    const flag = /^--?([A-Za-z][\w-]+)(?:=(.*))?$/.exec(token);
    if (flag?.[1] && isSecretName(flag[1])) {
      const value = flag[2] ?? (next?.startsWith("-") ? undefined : next);
      if (isLiteralSecret(value)) {
        return { token: i, what: `a literal value for ${token.split("=")[0]}` };
      }
    }
    if (client && token.startsWith(client.flag)) {
      const attached = token.slice(client.flag.length);
      const value = attached !== "" ? attached : client.attachedOnly ? undefined : next;
      if (isLiteralSecret(value)) {
        return { token: i, what: `a literal password after ${client.name} ${client.flag}` };
      }
    }
  }
  return undefined;
}

/** Whether a name=value pair holds a secret: a URL password, a literal secret, or neither. */
export function literalSecretIn(name: string, value: string): "url" | "literal" | undefined {
  if (hasUrlCredentials(value)) return "url";
  if (!isSecretName(name) || !isLiteralSecret(value)) return undefined;
  // TLS_SECRET_NAME: my-tls names a Secret; TOKEN_NAME: "x9$Fq..." is the token itself.
  if (namesAnObject(name) && looksLikeObjectName(value)) return undefined;
  return "literal";
}
