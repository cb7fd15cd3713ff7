// What every command shares: the error kinds (src/errors.ts: each with its exit code), JSON output,
// option parsing.
import { InvalidArgumentError } from 'commander';

export { RunError, ToonVisionError, UsageError } from '../errors.ts';

/** Prints exactly one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Logs go to stderr so that `--json` output on stdout stays clean. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function parseIntOption(name: string): (value: string) => number {
  return (value: string) => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number, got '${value}'`);
    return Number(value);
  };
}

export function parsePositiveInt(name: string): (value: string) => number {
  return (value: string) => {
    const n = parseIntOption(name)(value);
    if (n <= 0) throw new InvalidArgumentError(`${name} must be at least 1, got '${value}'`);
    return n;
  };
}

export function parseNumberOption(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got '${value}'`);
    return n;
  };
}

/** Parses a comma-separated list of names out of `allowed` (duplicates dropped, at least one). */
export function parseListOption<T extends string>(name: string, allowed: readonly T[]): (value: string) => T[] {
  return (value: string) => {
    const items = value.split(',').map((t) => t.trim()).filter(Boolean);
    const bad = items.filter((t) => !(allowed as readonly string[]).includes(t));
    if (bad.length || items.length === 0) throw new InvalidArgumentError(`${name} must list items out of ${allowed.join(',')}, got '${value}'`);
    return [...new Set(items)] as T[];
  };
}

/** Parses a port number from `min` (0 lets the system pick a free one) to 65535. */
export function parsePortOption(min: 0 | 1): (value: string) => number {
  return (value: string) => {
    const n = parseIntOption('--port')(value);
    if (n < min || n > 65535) throw new InvalidArgumentError(`--port must be between ${min} and 65535, got '${value}'`);
    return n;
  };
}
