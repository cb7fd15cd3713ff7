// X11 window finding with the command-line tools (xdotool, xwininfo from x11-utils). Used where
// node-screenshots cannot read a window's title (it reads _NET_WM_NAME only; ImageMagick's `display`
// and some games set only WM_NAME) and to read geometry when node-screenshots is absent.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d !== '' && existsSync(path.join(d, program)));
}

function run(program: string, args: string[], timeoutMs = 2000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(program, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const errCode = (err as { code?: unknown } | null)?.code;
      const code = err ? (typeof errCode === 'number' ? errCode : 1) : 0;
      resolve({ code, stdout: stdout ?? '', stderr: stderr ?? '' });
    });
  });
}

/** A POSIX extended regex matching `text` literally. */
export function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Ids of the windows whose title (WM_NAME or _NET_WM_NAME) contains `title`, case-insensitive. */
export async function xdotoolSearch(title: string): Promise<number[]> {
  if (!process.env.DISPLAY || !onPath('xdotool')) return [];
  const r = await run('xdotool', ['search', '--name', regexEscape(title)]);
  // Exit code 1 with no output means "no window matched".
  return r.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

export interface X11Geometry {
  id: number;
  title: string;
  x: number;
  y: number;
  width: number;
  height: number;
  viewable: boolean;
}

/** Absolute geometry and map state of one window from `xwininfo`, or undefined when it is gone. */
export async function xwininfo(id: number): Promise<X11Geometry | undefined> {
  if (!process.env.DISPLAY || !onPath('xwininfo')) return undefined;
  const r = await run('xwininfo', ['-id', String(id)]);
  if (r.code !== 0) return undefined;
  const num = (label: string): number | undefined => {
    const m = new RegExp(`${label}:\\s+(-?\\d+)`).exec(r.stdout);
    return m ? Number(m[1]) : undefined;
  };
  const x = num('Absolute upper-left X');
  const y = num('Absolute upper-left Y');
  const width = num('Width');
  const height = num('Height');
  if (x === undefined || y === undefined || width === undefined || height === undefined) return undefined;
  const title = /xwininfo: Window id: \S+ "(.*)"/.exec(r.stdout)?.[1] ?? '';
  const viewable = /Map State:\s+IsViewable/.test(r.stdout);
  return { id, title, x, y, width, height, viewable };
}
