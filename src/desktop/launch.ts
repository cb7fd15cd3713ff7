// Finding and starting Electron for `toonvision overlay`. Electron is an optional dependency (its
// install downloads a ~100 MB binary), so its absence is an expected, explained outcome.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { OVERLAY_DIR } from '../publish/pages.ts';

/** The Electron entry of the overlay. */
export const ELECTRON_MAIN = path.join(OVERLAY_DIR, 'electron', 'main.cjs');

export type ElectronLookup = { found: true; path: string; from: string } | { found: false; reason: string };

/**
 * The Electron binary: $TOONVISION_ELECTRON when set, else the `electron` npm package's binary.
 * (`require('electron')` from Node returns the binary's path, and throws when its download failed.)
 */
export function findElectron(env: NodeJS.ProcessEnv = process.env): ElectronLookup {
  const override = env.TOONVISION_ELECTRON;
  if (override) {
    return existsSync(override)
      ? { found: true, path: override, from: 'TOONVISION_ELECTRON' }
      : { found: false, reason: `TOONVISION_ELECTRON=${override} does not exist` };
  }
  let bin: unknown;
  try {
    bin = createRequire(import.meta.url)('electron');
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return /Cannot find module 'electron'/.test(message)
      ? { found: false, reason: 'the electron package is not installed' }
      : { found: false, reason: `the electron package is broken: ${message}` };
  }
  if (typeof bin !== 'string' || !existsSync(bin)) return { found: false, reason: `the electron package names no binary (${String(bin)})` };
  return { found: true, path: bin, from: 'electron package' };
}

/** Starts Electron on the overlay entry; resolves to its exit code. */
export function runElectron(binary: string, port: number, opts: { platform?: NodeJS.Platform } = {}): Promise<number> {
  const platform = opts.platform ?? process.platform;
  const env: NodeJS.ProcessEnv = { ...process.env, TOONVISION_OVERLAY_PORT: String(port) };
  delete env.ELECTRON_RUN_AS_NODE; // would make Electron a plain Node
  const args = [...(platform === 'linux' ? ['--enable-transparent-visuals'] : []), ELECTRON_MAIN];
  const child = spawn(binary, args, { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      reject(new Error(`could not start Electron at ${binary}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? (signal ? 128 + 2 : 1));
    });
  });
}
