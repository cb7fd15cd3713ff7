// One headless Chromium page that draws scenes with three.js (software WebGL), kept alive for a whole
// run. A loopback HTTP server (127.0.0.1, a random secret path) serves the page, three.js from
// node_modules and the scene's resources from memory, and receives each finished frame as raw RGBA:
// binary both ways, nothing from the internet.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ScenePlan } from './plan.ts';
import { ToonVisionError } from '../errors.ts';

const PAGE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'page');
// three's exports map hides package.json; its main build file sits in <package>/build/
const THREE_DIR = path.resolve(path.dirname(createRequire(import.meta.url).resolve('three')), '..');

/** Chromium flags: headless software rendering, no background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
];

/** Chromium is needed and was not found: the message says where it looked and what to do. */
export class ChromiumMissingError extends ToonVisionError {
  constructor(message: string) {
    super(message, { code: 'chromium' });
  }
}

/** The Chromium to drive: $TOONVISION_CHROMIUM, else the usual install places. */
export function findChromium(explicit?: string): string {
  const wanted = explicit ?? process.env.TOONVISION_CHROMIUM;
  if (wanted) {
    if (!existsSync(wanted)) throw new ChromiumMissingError(`${wanted}: no such Chromium executable (from ${explicit ? '--chromium' : 'TOONVISION_CHROMIUM'})`);
    return wanted;
  }
  const found = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new ChromiumMissingError(
      `Chromium not found (looked in ${CHROMIUM_CANDIDATES.slice(0, 4).join(', ')}, ...): install it (e.g. 'apt-get install chromium') or set TOONVISION_CHROMIUM to its executable`,
    );
  }
  return found;
}

/** What the page reports for each character of a scene (pixels, y down, end-exclusive). */
export interface PageObject {
  id: number;
  /** box of the projected vertices, unclipped (null when nothing is in front of the camera) */
  box: [number, number, number, number] | null;
  /** pixels of the character seen in the scene (others in front of it hide some) */
  visiblePixels: number | null;
  /** pixels of the character drawn alone (inside the frame) */
  alonePixels: number | null;
  /** bounding box of its visible id pixels */
  pixelBox: [number, number, number, number] | null;
}

export interface PageResult {
  objects: PageObject[];
  /** the frame, encoded as the plan's output asks (PNG or JPEG) */
  image: Buffer;
  ms: Record<string, number>;
}

export interface RenderPageInfo {
  chromium: string;
  webgl2: boolean;
  renderer: string | null;
  three: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.glb': 'model/gltf-binary',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.ttf': 'font/ttf',
};

/** A resource the page may fetch: bytes in memory, or a file read when asked for. */
export type Resource = { bytes: Uint8Array; type: string } | { file: string; type?: string };

/** The page and its server. `close()` ends both; one instance draws one scene at a time. */
export class RenderPage {
  private readonly resources = new Map<string, Resource>();
  /** frames the page sent that no render has taken yet, and the render waiting for the next one */
  private readonly arrived: Buffer[] = [];
  private waiting: ((b: Buffer) => void) | null = null;
  private channel: WebSocket | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private crashed: Error | null = null;

  private browser!: Browser;
  private page!: Page;
  private server!: http.Server;
  base = '';
  info!: RenderPageInfo;

  private constructor() {}

  /** Starts Chromium (`chromium` path, else findChromium()) and opens the page. */
  static async open(opts: { chromium?: string } = {}): Promise<RenderPage> {
    const executablePath = findChromium(opts.chromium);
    const secret = randomBytes(12).toString('hex');
    const self = new RenderPage();
    const server = http.createServer((req, res) => {
      self.handle(req, res, secret).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err.message));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}/${secret}`;
    self.server = server;
    self.base = base;
    const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });
    server.on('upgrade', (req, socket, head) => {
      const origin = `http://127.0.0.1:${port}`;
      if (req.url !== `/${secret}/channel` || req.headers.host !== `127.0.0.1:${port}` || (req.headers.origin && req.headers.origin !== origin) || self.channel) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        self.channel = ws;
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          if (!isBinary) return;
          if (self.waiting) {
            const w = self.waiting;
            self.waiting = null;
            w(data);
          } else self.arrived.push(data);
        });
      });
    });
    const { chromium } = await import('playwright-core');
    let browser: Browser;
    try {
      browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
    } catch (err) {
      server.close();
      throw new ChromiumMissingError(`${executablePath}: Chromium did not start (${(err as Error).message.split('\n')[0]})`);
    }
    try {
      const page = await browser.newPage({ viewport: { width: 64, height: 64 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('response', (r) => {
        if (r.status() >= 400) errors.push(`${r.status()} for ${r.url().replace(base, '')}`);
      });
      await page.goto(`${base}/page/index.html`);
      await page.waitForFunction(() => (window as unknown as { toonRenderReady?: boolean }).toonRenderReady === true, null, { timeout: 30_000 }).catch(() => {
        throw new Error(`the render page did not start${errors.length ? `: ${errors[0]}` : ''}`);
      });
      const info = await page.evaluate(() => (window as unknown as { toonRenderInfo: () => { webgl2: boolean; renderer: string | null; three: string } }).toonRenderInfo());
      if (!info.webgl2) throw new Error(`${executablePath}: this Chromium has no WebGL 2 (software rendering through SwiftShader is needed)`);
      self.browser = browser;
      self.page = page;
      self.info = { chromium: executablePath, ...info };
      page.on('crash', () => {
        self.crashed = new Error('the render page crashed');
      });
      return self;
    } catch (err) {
      await browser.close().catch(() => {});
      server.close();
      throw err;
    }
  }

  /** Serves `res` to the page at the returned URL until forgotten (keys are URL-safe names). */
  provide(key: string, res: Resource): string {
    this.resources.set(key, res);
    return `${this.base}/r/${encodeURIComponent(key)}`;
  }

  has(key: string): boolean {
    return this.resources.has(key);
  }

  url(key: string): string {
    return `${this.base}/r/${encodeURIComponent(key)}`;
  }

  forget(key: string): void {
    this.resources.delete(key);
  }

  /** Draws one scene; scenes queue one after another. */
  render(plan: ScenePlan): Promise<PageResult> {
    const run = async (): Promise<PageResult> => {
      if (this.crashed) throw this.crashed;
      this.arrived.length = 0;
      const frame = new Promise<Buffer>((resolve) => (this.waiting = resolve));
      const r = await this.page.evaluate(
        (p) => (window as unknown as { toonRender: (p: unknown) => Promise<{ objects: PageObject[]; ms: Record<string, number> }> }).toonRender(p),
        plan,
      );
      // the page sends the frame before its call returns, on another connection: wait for it
      const image = this.arrived.shift() ?? (await frame);
      this.waiting = null;
      return { objects: r.objects, image, ms: r.ms };
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => {});
    this.channel?.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, secret: string): Promise<void> {
    const host = req.headers.host ?? '';
    const addr = this.server.address() as AddressInfo;
    if (host !== `127.0.0.1:${addr.port}`) {
      res.writeHead(403).end();
      return;
    }
    const url = new URL(req.url ?? '/', `http://${host}`);
    const prefix = `/${secret}/`;
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    const rest = decodeURIComponent(url.pathname.slice(prefix.length));
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    let file: string | undefined;
    let body: Uint8Array | undefined;
    let type = 'application/octet-stream';
    if (rest.startsWith('page/')) file = inside(PAGE_DIR, rest.slice(5));
    else if (rest.startsWith('three/')) file = inside(THREE_DIR, rest.slice(6));
    else if (rest.startsWith('r/')) {
      const r = this.resources.get(rest.slice(2));
      if (r && 'bytes' in r) {
        body = r.bytes;
        type = r.type;
      } else if (r) {
        file = r.file;
        if (r.type) type = r.type;
      }
    }
    if (!body && file) {
      try {
        body = await readFile(file);
        type = TYPES[path.extname(file).toLowerCase()] ?? type;
      } catch {
        body = undefined;
      }
    }
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': type, 'content-length': body.byteLength, 'cache-control': 'no-store' });
    res.end(body);
  }
}

/** `rel` under `dir`, or undefined when it would leave it. */
function inside(dir: string, rel: string): string | undefined {
  const p = path.resolve(dir, rel);
  return p.startsWith(dir + path.sep) ? p : undefined;
}
