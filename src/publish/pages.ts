// Serving the overlay page over HTTP: GET /overlay -> overlay/index.html, /overlay/<file> -> that
// file of overlay/ (never outside it). Usable by any node:http server (the agent's, the tests').
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The overlay/ folder of this package. */
export const OVERLAY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'overlay');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/** The agent's addresses: the page and the WebSocket. */
export function agentUrls(port: number, host = '127.0.0.1'): { origin: string; page: string; ws: string } {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { origin: `http://${h}:${port}`, page: `http://${h}:${port}/overlay`, ws: `ws://${h}:${port}/` };
}

/** The page's address on an agent at host:port. */
export function overlayPageUrl(port: number, host = '127.0.0.1'): string {
  return agentUrls(port, host).page;
}

/**
 * The file of `dir` that a request path names, or null when the path is not the overlay's
 * (`/overlay`, `/overlay/`, `/overlay/index.html`, `/overlay/render.js`, ...). The electron/ folder
 * (main-process code) is not served, nor anything outside `dir`.
 */
export function overlayFileFor(urlPath: string, dir = OVERLAY_DIR): string | null {
  let p: string;
  try {
    p = decodeURIComponent(urlPath.split(/[?#]/)[0] ?? '');
  } catch {
    return null;
  }
  if (p === '/overlay' || p === '/overlay/') return path.join(dir, 'index.html');
  if (!p.startsWith('/overlay/')) return null;
  const rel = p.slice('/overlay/'.length);
  if (rel.includes('\0') || rel.split('/').some((s) => s === '..' || s === '.' || s === '') ) return null;
  if (rel.startsWith('electron/')) return null;
  const file = path.resolve(dir, rel);
  if (!file.startsWith(dir + path.sep)) return null;
  if (!(path.extname(file) in TYPES)) return null;
  return file;
}

/**
 * Answers a GET/HEAD for the overlay page or one of its files. Returns false (and leaves `res`
 * alone) when the request is not for the overlay, so that the caller can route it elsewhere.
 */
export async function serveOverlay(req: IncomingMessage, res: ServerResponse, dir = OVERLAY_DIR): Promise<boolean> {
  const file = overlayFileFor(req.url ?? '/', dir);
  if (file === null) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return true;
  }
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${req.url}\n`);
    return true;
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
