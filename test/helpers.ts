// Shared by the tests: where ../shared is, temporary folders, and skip reasons that name what is missing.
import { existsSync } from 'node:fs';
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** ../shared beside the project (TOONVISION_SHARED overrides). */
export const SHARED = process.env.TOONVISION_SHARED ?? path.resolve(ROOT, '..', 'shared');
export const FIXTURES = path.join(SHARED, 'fixtures');
export const REAL = path.join(FIXTURES, 'real');
export const SEED_MODELS = path.join(FIXTURES, 'seed-models');

/** A skip message when the shared fixtures are absent, else false (use as `{ skip: needFixtures() }`). */
export function needFixtures(): string | false {
  return existsSync(REAL) ? false : `needs the shared fixtures at ${FIXTURES} (not found)`;
}

/** A skip message when there is no X display, else false. */
export function needDisplay(): string | false {
  return process.env.DISPLAY ? false : 'needs an X display (DISPLAY is not set; .ci/run starts Xvfb)';
}

/** A skip message when a program is not on PATH. */
export function needProgram(name: string): string | false {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  return dirs.some((d) => existsSync(path.join(d, name))) ? false : `needs '${name}' on PATH (not found)`;
}

/** A fresh temporary folder, removed by the returned cleanup. */
export async function tempDir(prefix = 'toonvision-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Polls `get` until it returns something truthy (resolved to that value), failing after `ms` with `what`. */
export async function until<T>(get: () => T | undefined | false | null | Promise<T | undefined | false | null>, ms: number, what: string, stepMs = 50): Promise<T> {
  const t = Date.now();
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() - t > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: () => any;
}

/** One HTTP request with node:http (unlike fetch, it may set Host and Origin as an attacker would). */
export function httpRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The project's executable. */
export const CLI = path.join(ROOT, 'bin', 'toonvision.js');

export interface CliResult {
  /** exit code (1 when killed by a signal or the timeout) */
  code: number;
  stdout: string;
  stderr: string;
}

interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** `node bin/toonvision.js ARGS` in a child process (the real executable, start-up included). */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** The same, synchronously (for tests that run one command and read its output). */
export function runCliSync(args: string[], opts: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000 });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs `fn` with the text written to stdout and stderr captured. Only text is taken: the test runner
 * reports to its parent through stdout in binary chunks, which go on through.
 */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T; stdout: string; stderr: string }> {
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  let stdout = '';
  let stderr = '';
  const take = (real: typeof writeOut, add: (s: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk !== 'string') return (real as (c: Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
      add(chunk);
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = take(writeOut, (s) => (stdout += s));
  process.stderr.write = take(writeErr, (s) => (stderr += s));
  try {
    return { result: await fn(), stdout, stderr };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

/** The CLI in this process (no start-up per case), its output captured. */
export async function runCliInProcess(args: string[]): Promise<CliResult> {
  const { main } = await import('../src/cli.ts');
  const r = await captureOutput(() => main(args));
  return { code: r.result, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `toonvision retrain` flags that keep a test's retrain on its own tiny root: no synthetic scenes where
 * the command makes them by default (`--synthetic`), so that the run stays a few seconds long.
 */
export function tinyRetrainArgs(): string[] {
  return runCliSync(['retrain', '--help']).stdout.includes('--synthetic') ? ['--synthetic', '0'] : [];
}
