// JSON logs with the node id on every line; anything that could hold a token is redacted.
import { pino } from "pino";

export type Logger = pino.Logger;

export function createLogger(options: { level: string; nodeId: string; version: string }): Logger {
  return pino({
    level: options.level,
    base: { node: options.nodeId, version: options.version },
    redact: {
      paths: [
        "token",
        "*.token",
        "authorization",
        "*.authorization",
        "headers.authorization",
        "url",
      ],
      censor: "[redacted]",
    },
  });
}
