// Global hotkeys with node-global-key-listener (X11 key server, Windows hook, macOS event tap).
// Only the configured keys are acted on; no other key is looked at, stored or logged.
//
// npm installs the library's key server binaries without the execute bit. Left alone, the library
// then tries to `chmod +x` them through pkexec/sudo-prompt, which fails without a desktop session and
// crashes; so the bit is set here first, and the library is never asked to elevate.
import { accessSync, chmodSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const DEFAULT_HOTKEYS = { capture: 'F9', pause: 'F10' } as const;

export interface HotkeyBinding {
  /** Key name as node-global-key-listener names it: F1..F24, A..Z, 0..9, SPACE, ... */
  key: string;
  action: () => void;
}

export interface Hotkeys {
  stop(): void;
}

export type HotkeyResult = { ok: true; hotkeys: Hotkeys; server: string } | { ok: false; reason: string };

interface KeyEvent {
  name?: string;
  state: 'DOWN' | 'UP';
}
interface ListenerConfig {
  onInfo?: (data: string) => void;
  onError?: (code: number | null) => void;
  serverPath?: string;
}
interface GlobalKeyboardListenerCtor {
  new (config: { x11?: ListenerConfig; mac?: ListenerConfig; windows?: ListenerConfig; disposeDelay?: number }): {
    addListener(l: (e: KeyEvent) => boolean | void): Promise<void>;
    kill(): void;
  };
}

const require = createRequire(import.meta.url);

/** Key names accepted in configuration (a sanity check on user input, not an exhaustive list). */
export function checkKeyName(key: string): string {
  const k = key.trim().toUpperCase();
  if (/^F([1-9]|1\d|2[0-4])$/.test(k) || /^[A-Z0-9]$/.test(k) || ['SPACE', 'PAUSE', 'SCROLL LOCK', 'INS', 'HOME', 'END', 'PAGE UP', 'PAGE DOWN', 'PRINT SCREEN'].includes(k)) return k;
  throw new Error(`hotkey '${key}' is not a key name (use F1..F24, A..Z, 0..9, SPACE, PAUSE, HOME, END, INS, PAGE UP, PAGE DOWN, PRINT SCREEN)`);
}

/** The key server binary for this platform inside node-global-key-listener, made executable. */
export function keyServerPath(): { file?: string; reason?: string } {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve('node-global-key-listener/package.json'));
  } catch {
    return { reason: 'node-global-key-listener is not installed' };
  }
  const name = process.platform === 'win32' ? 'WinKeyServer.exe' : process.platform === 'darwin' ? 'MacKeyServer' : process.platform === 'linux' ? 'X11KeyServer' : undefined;
  if (!name) return { reason: `no global key server for platform ${process.platform}` };
  const file = path.join(pkgDir, 'bin', name);
  if (!existsSync(file)) return { reason: `${file} is missing` };
  if (process.platform !== 'win32') {
    try {
      accessSync(file, constants.X_OK);
    } catch {
      try {
        chmodSync(file, statSync(file).mode | 0o111);
      } catch (err) {
        return { reason: `${file} is not executable and cannot be made so (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run: chmod +x "${file}"` };
      }
    }
  }
  return { file };
}

/**
 * Installs the global hotkeys. Resolves { ok: false, reason } instead of throwing when no global
 * hotkey can be installed (no display, no permission, no key server): the caller says so once.
 */
export async function startHotkeys(bindings: HotkeyBinding[], opts: { startupMs?: number; onLost?: (reason: string) => void } = {}): Promise<HotkeyResult> {
  if (process.platform === 'linux' && !process.env.DISPLAY) return { ok: false, reason: 'no X display (DISPLAY is not set)' };
  const server = keyServerPath();
  if (!server.file) return { ok: false, reason: server.reason! };
  let Ctor: GlobalKeyboardListenerCtor;
  try {
    Ctor = (require('node-global-key-listener') as { GlobalKeyboardListener: GlobalKeyboardListenerCtor }).GlobalKeyboardListener;
  } catch (err) {
    return { ok: false, reason: `node-global-key-listener did not load (${(err as Error).message.split('\n')[0]})` };
  }
  const byKey = new Map(bindings.map((b) => [checkKeyName(b.key), b.action]));
  const down = new Set<string>();
  let info = '';
  let exited: number | null | undefined;
  let started = false;
  const config: ListenerConfig = {
    serverPath: server.file,
    onInfo: (data) => {
      info = `${info}${data}`.slice(-2000);
    },
    onError: (code) => {
      exited = code;
      // After a good start: the key server died later (X server gone...). Said once by the caller.
      if (started) opts.onLost?.(`the key server exited (code ${code})${info.trim() ? `: ${info.trim().split('\n').pop()}` : ''}`);
    },
  };
  const listener = new Ctor({ x11: config, mac: config, windows: config, disposeDelay: -1 });
  try {
    await listener.addListener((e) => {
      const name = e.name?.toUpperCase();
      if (!name) return false;
      const action = byKey.get(name);
      if (!action) return false;
      if (e.state === 'UP') {
        down.delete(name);
        return false;
      }
      if (down.has(name)) return false; // auto-repeat while held
      down.add(name);
      try {
        action();
      } catch {
        /* the action reports its own errors */
      }
      return false;
    });
  } catch (err) {
    try {
      listener.kill();
    } catch {
      /* not started */
    }
    return { ok: false, reason: `the key server did not start (${String((err as Error)?.message ?? err).split('\n')[0]})` };
  }
  // The server process starts, then may exit at once (cannot open the display, no permission).
  await new Promise((r) => setTimeout(r, opts.startupMs ?? 500));
  if (exited !== undefined) {
    try {
      listener.kill();
    } catch {
      /* already gone */
    }
    const why = info.trim().split('\n').pop() ?? '';
    return { ok: false, reason: `the key server exited (code ${exited})${why ? `: ${why}` : ''}` };
  }
  started = true;
  return {
    ok: true,
    server: server.file,
    hotkeys: {
      stop: () => {
        try {
          listener.kill();
        } catch {
          /* already stopped */
        }
      },
    },
  };
}
