// One base for the errors made for people: each says what went wrong in its message (naming the file
// or value at fault), carries a stable `code` that scripts and logs can match, and the CLI's
// `exitCode` (1 a failed run, 2 bad usage) that main() in src/cli.ts exits with.

export type ExitCode = 1 | 2;

export class ToonVisionError extends Error {
  /** What kind of failure, e.g. 'usage', 'image', 'model-folder' (stable: scripts may match it). */
  readonly code: string;
  /** The CLI's exit status for it: 1 a failed run, 2 bad usage. */
  readonly exitCode: ExitCode;

  constructor(message: string, opts: { code: string; exitCode?: ExitCode; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Bad usage (a flag or argument that cannot work): exit code 2. */
export class UsageError extends ToonVisionError {
  constructor(message: string) {
    super(message, { code: 'usage', exitCode: 2 });
  }
}

/** A run that failed for a reason the message names: exit code 1. */
export class RunError extends ToonVisionError {
  constructor(message: string, code = 'failed') {
    super(message, { code });
  }
}

/** The exit status of an error thrown out of a command: its own for a ToonVisionError, else 1. */
export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof ToonVisionError ? err.exitCode : 1;
}
