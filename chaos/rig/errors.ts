/** Stable codes so callers (CLI, globalSetup) can tell failures apart. */
export type RigErrorCode =
  | "ENGINE_UNAVAILABLE"
  | "ENGINE_START_FAILED"
  | "COMMAND_FAILED"
  | "COMMAND_TIMEOUT"
  | "IMAGE_BUILD_FAILED"
  | "LOCK_TIMEOUT"
  | "USAGE";

/** A rig failure whose message tells the user what to do next. */
export class RigError extends Error {
  override readonly name = "RigError";
  readonly code: RigErrorCode;

  constructor(code: RigErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
