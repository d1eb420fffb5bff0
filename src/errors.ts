/**
 * Typed errors. Every error the user can cause is a ReimageError, so the CLI can print its message
 * (never a stack trace) and pick the exit code: 2 for bad usage, 1 for everything else.
 */
export class ReimageError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags or flag values: exit 2, like Go's flag package. */
export class UsageError extends ReimageError {
  override readonly exitCode = 2;
}

/** A flag's value is unusable: says which flag, the value and why, as Go's flag package does. */
export function invalidFlagValue(flag: string, value: unknown, why: string): UsageError {
  return new UsageError(`invalid value ${JSON.stringify(value)} for flag -${flag}: ${why}`);
}

/** Several independent failures, reported together (one per failing image, say). */
export class AggregateReimageError extends ReimageError {
  constructor(
    readonly headline: string,
    readonly errors: readonly Error[],
  ) {
    super(`${headline}:\n${errors.map((e) => `  - ${e.message.replaceAll('\n', '\n    ')}`).join('\n')}`);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
