// What the engine's two choices (TensorFlow.js backend, inference runtime) share: reading a forced
// choice from the environment, and one-line reasons for the attempts they report.
import { RunError } from '../errors.ts';

/** The choice forced by `explicit` or the environment variable `env`; undefined when neither is set. */
export function forcedChoice<T extends string>(env: string, allowed: readonly T[], noun: string, explicit?: string): T | undefined {
  const want = explicit ?? process.env[env];
  if (want === undefined || want === '') return undefined;
  if (!(allowed as readonly string[]).includes(want)) {
    throw new RunError(`${env}='${want}' is not a ${noun} (expected one of ${allowed.join(', ')})`, 'environment');
  }
  return want as T;
}

/** The first line of an error's message, at most 300 characters. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 300);
}
