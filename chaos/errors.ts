/** Stable codes so a scenario, the defects script and the docs can tell chaos failures apart. */
export type ChaosErrorCode =
  | "BAD_OPTION"
  | "TIMEOUT"
  | "TOPOLOGY"
  | "FAULT"
  | "ROLLOUT"
  | "FLEET"
  | "INVARIANT";

/** A chaos harness failure whose message says what went wrong and what to do about it. */
export class ChaosError extends Error {
  override readonly name = "ChaosError";
  readonly code: ChaosErrorCode;

  constructor(code: ChaosErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
