// A small stand-in for the agent in the overlay tests: node:http serving overlay/ plus a real `ws`
// WebSocket server on the same loopback port, speaking protocol v1 (../shared/CLI.md).
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { serveOverlay } from '../src/publish/pages.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A skip message when the Debian Chromium is absent (never download a browser). */
export function needChromium(): string | false {
  return existsSync(CHROMIUM) ? false : `needs Chromium at ${CHROMIUM} (apt-get install chromium)`;
}

export interface TestAgent {
  port: number;
  clients: Set<WebSocket>;
  /** Sends a message (an object, JSON-encoded; a string as it is) to every connected client. */
  broadcast(msg: object | string): void;
  /** Resolves when at least `n` clients are connected. */
  waitForClients(n?: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const HELLO = { type: 'hello', v: 1, agent: 'test', models: {}, source: { kind: 'window', title: 'Toontown Rewritten' } };

/** Starts the stand-in agent on 127.0.0.1 (`port` 0 picks a free one); `route` answers other paths first (true when it did). */
export async function startTestAgent(port = 0, route?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean): Promise<TestAgent> {
  const server = http.createServer((req, res) => {
    if (route?.(req, res)) return;
    serveOverlay(req, res).then((done) => {
      if (!done) res.writeHead(404).end();
    }, () => res.writeHead(500).end());
  });
  const wss = new WebSocketServer({ server });
  const clients = new Set<WebSocket>();
  const waiters: Array<() => void> = [];
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.send(JSON.stringify(HELLO));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    port: actualPort,
    clients,
    broadcast(msg) {
      const data = typeof msg === 'string' ? msg : JSON.stringify(msg);
      for (const c of clients) if (c.readyState === WebSocket.OPEN) c.send(data);
    },
    async waitForClients(n = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (clients.size < n) {
        if (Date.now() > deadline) throw new Error(`no WebSocket client connected within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    async close() {
      for (const c of clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let frameCounter = 0;
/** A protocol v1 `frame` message. */
export function frameMessage(window: { x: number; y: number; width: number; height: number }, detections: object[]) {
  const now = Date.now();
  return {
    type: 'frame',
    v: 1,
    frameId: ++frameCounter,
    capturedAt: now - 40,
    sentAt: now - 5,
    window,
    detections,
    stagesMs: { capture: 20, detect: 10, classify: 5, publish: 1 },
  };
}
