/** Stable codes of test-kit failures. */
export type TestKitErrorCode = "BAD_OPTION" | "FAULT" | "TIMEOUT";

/** A test-kit failure whose message says what went wrong and what to do about it. */
export class TestKitError extends Error {
  override readonly name = "TestKitError";
  readonly code: TestKitErrorCode;

  constructor(code: TestKitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
