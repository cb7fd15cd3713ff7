// What every HTTP route of the agent beyond the overlay shares: the Host and Origin checks (a web page
// on another site, or one that rebinds its DNS name to 127.0.0.1, must neither read the player's
// screenshots and frames nor write labels), request bodies read with a cap, JSON and text replies,
// and the Content-Security-Policy of the agent's pages.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ToonVisionError } from '../errors.ts';

/** The CSP of the agent's pages: only its own scripts, styles, images and requests; no frames, forms or base. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; font-src 'self'; " +
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Request bodies above this many bytes are refused (413): a labels document is a few KB. */
export const MAX_BODY_BYTES = 256 * 1024;

export const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' } as const;

/** A route of the agent's HTTP server: answers and returns true, or returns false to pass the request on. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse, url: URL, served: Served) => Promise<boolean>;

/** An HTTP error with the status to answer and a reason for the player. */
export class HttpError extends ToonVisionError {
  constructor(readonly status: number, message: string) {
    super(message, { code: `http-${status}` });
  }
}

/** Where a server listens: the Host and Origin values its own pages send. */
export interface Served {
  port: number;
  host: string;
}

function loopbackNames(s: Served): string[] {
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  if (s.host !== '127.0.0.1' && s.host !== '0.0.0.0' && s.host !== '::') names.push(s.host.includes(':') ? `[${s.host}]` : s.host);
  return names;
}

/** The Host header values a request to this server may carry (DNS rebinding sends another name). */
export function allowedHosts(s: Served): string[] {
  return loopbackNames(s).map((n) => `${n}:${s.port}`);
}

/** The Origin values of the server's own pages. */
export function allowedOrigins(s: Served): string[] {
  return allowedHosts(s).map((h) => `http://${h}`);
}

/**
 * Refuses (HttpError 403) a request whose Host is not the served address, and, for a write, one whose
 * Origin is a foreign site. A write with no Origin (curl, scripts) is allowed; browsers always send one
 * on a cross-origin or non-GET request.
 */
export function checkRequest(req: IncomingMessage, s: Served, opts: { write: boolean; extraOrigins?: readonly string[] }): void {
  const host = req.headers.host;
  if (host === undefined || !allowedHosts(s).includes(host.toLowerCase())) {
    throw new HttpError(403, `refused: Host ${JSON.stringify(host ?? '').slice(0, 100)} is not this agent's address (allowed: ${allowedHosts(s).join(', ')})`);
  }
  if (!opts.write) return;
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins(s).includes(origin) && !(opts.extraOrigins ?? []).includes(origin)) {
    throw new HttpError(403, `refused: a write from the foreign origin ${JSON.stringify(origin).slice(0, 100)}`);
  }
}

/** Reads a request body of at most `max` bytes (413 beyond it, without reading the rest). */
export async function readBody(req: IncomingMessage, max = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) throw new HttpError(413, `request body of ${declared} bytes is over the ${max}-byte limit`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, `request body is over the ${max}-byte limit`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads and parses a JSON body (400 naming the problem when it does not parse). */
export async function readJson(req: IncomingMessage, max = MAX_BODY_BYTES): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, `expected a JSON body (Content-Type: application/json), got ${JSON.stringify(type).slice(0, 80)}`);
  const body = await readBody(req, max);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `malformed JSON: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(`${JSON.stringify(value)}\n`);
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

/** An error answer as JSON `{error}` (HttpError keeps its status; anything else is a 500). */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = err instanceof HttpError ? err.status : 500;
  sendJson(res, status, { error: (err as Error).message.split('\n')[0] });
}

/** A page or asset with the agent's CSP. */
export function sendPage(res: ServerResponse, body: Buffer, type = 'text/html; charset=utf-8', head = false): void {
  res.writeHead(200, { ...COMMON_HEADERS, 'content-type': type, 'content-length': body.length, 'content-security-policy': PAGE_CSP, 'x-frame-options': 'DENY' });
  res.end(head ? undefined : body);
}
