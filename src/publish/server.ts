// The agent's one HTTP server: the WebSocket protocol v1 (hello, frame, capture, status; typed and
// checked in protocol.ts, ../shared/CLI.md) on ws://HOST:PORT/, the overlay page at /overlay and /overlay/<asset>, and the
// routes its owner adds (the labelling page and API, /view and /frame.jpg).
//
// Safety: binds 127.0.0.1 unless told otherwise; WebSocket upgrades with a foreign Origin are refused
// (403); inbound messages are capped (maxPayload); a slow client never builds a queue: each client has
// at most one frame in flight and one pending, and a newer frame replaces the pending one.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { OVERLAY_DIR, serveOverlay } from '../publish/pages.ts';
import { allowedOrigins as servedOrigins, type HttpRoute } from './guard.ts';
import { checkMessage, PROTOCOL_VERSION, type CaptureMessage, type FrameMessage, type HelloMessage, type StatusMessage } from './protocol.ts';

export { PROTOCOL_VERSION };

/** A message's own fields (without `type` and `v`), and any further fields (the protocol grows by adding). */
type Body<M> = Omit<M, 'type' | 'v'> & Record<string, unknown>;
export type HelloBody = Body<HelloMessage>;
export type StatusBody = Body<StatusMessage>;
/** A frame as the agent publishes it: `sentAt` is stamped when it leaves. */
export type FrameBody = Omit<FrameMessage, 'type' | 'v' | 'sentAt'> & Record<string, unknown>;
/** The control messages besides hello: status and capture. */
export type ControlMessage = (Omit<StatusMessage, 'v'> | Omit<CaptureMessage, 'v'>) & Record<string, unknown>;
export const DEFAULT_PORT = 8765;
export const DEFAULT_HOST = '127.0.0.1';
/** Inbound messages are small commands; anything bigger closes the connection (1009). */
export const DEFAULT_MAX_PAYLOAD = 16 * 1024;
/** Above this many buffered bytes a client gets no new frame until it has drained. */
export const DEFAULT_HIGH_WATER = 256 * 1024;
/** A client whose buffer grows beyond this (control messages only) is cut off. */
export const HARD_LIMIT = 8 * 1024 * 1024;

export interface Command {
  type: string;
  [key: string]: unknown;
}

export interface PublishOptions {
  port?: number;
  host?: string;
  overlayDir?: string;
  maxPayload?: number;
  highWaterMark?: number;
  /** Extra allowed Origin values (exact match), besides http://127.0.0.1:PORT and http://localhost:PORT. */
  allowOrigins?: string[];
  /** The hello message sent to each new client (without type and v). */
  hello: () => HelloBody;
  /** The last status, re-sent to each new client after hello. */
  status?: () => StatusBody | undefined;
  /** Inbound commands from clients: {type: 'pause'|'resume'|'toggle-pause'|'capture'}. */
  onCommand?: (cmd: Command) => void;
  /** Called when a frame has been written to a client's socket (the message left the agent). */
  onFrameSent?: (frameId: number, at: number) => void;
  log?: (message: string) => void;
  /** More HTTP routes, tried in order before the server's own (each checks Host and Origin itself). */
  routes?: HttpRoute[];
}

interface Client {
  ws: WebSocket;
  inFlight: boolean;
  pending: { json: string; frameId: number } | null;
  sent: number;
  dropped: number;
  alive: boolean;
}

export interface ClientStats {
  bufferedAmount: number;
  sent: number;
  dropped: number;
  pending: boolean;
}

export class PublishServer {
  private http: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly clients = new Set<Client>();
  private heartbeat: NodeJS.Timeout | undefined;
  private boundPort = 0;
  private boundHost = DEFAULT_HOST;
  readonly overlayDir: string;
  /** Upgrades refused (foreign Origin), for tests and logs. */
  refused = 0;
  /** Messages not sent because they broke the protocol's rules (a bug of the agent), for tests and logs. */
  malformed = 0;
  private readonly malformedSeen = new Set<string>();

  constructor(readonly opts: PublishOptions) {
    this.overlayDir = path.resolve(opts.overlayDir ?? OVERLAY_DIR);
  }

  get port(): number {
    return this.boundPort;
  }
  get host(): string {
    return this.boundHost;
  }
  get clientCount(): number {
    return this.clients.size;
  }

  /** Starts listening; resolves to the bound port (useful with port 0). Fails with a clear message when the port is taken. */
  async start(): Promise<{ port: number; host: string }> {
    const host = this.opts.host ?? DEFAULT_HOST;
    const port = this.opts.port ?? DEFAULT_PORT;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.opts.maxPayload ?? DEFAULT_MAX_PAYLOAD, clientTracking: false });
    this.http = createServer((req, res) => {
      this.handleHttp(req, res).catch((err) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`internal error: ${(err as Error).message}\n`);
      });
    });
    this.http.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket, head));
    this.http.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(
          new Error(
            err.code === 'EADDRINUSE'
              ? `port ${port} on ${host} is already in use (another agent running? use --port)`
              : `cannot listen on ${host}:${port} (${err.message})`,
          ),
        );
      };
      this.http!.once('error', onError);
      this.http!.listen(port, host, () => {
        this.http!.off('error', onError);
        resolve();
      });
    });
    const addr = this.http.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
    this.boundHost = host;
    this.heartbeat = setInterval(() => this.ping(), 15000);
    this.heartbeat.unref();
    return { port: this.boundPort, host: this.boundHost };
  }

  /** The Origin values a browser page may connect from. */
  allowedOrigins(): string[] {
    return [...servedOrigins({ port: this.boundPort, host: this.boundHost }), ...(this.opts.allowOrigins ?? [])];
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.allowedOrigins().includes(origin)) {
      this.refused++;
      this.opts.log?.(`refused a WebSocket connection from foreign origin ${JSON.stringify(origin).slice(0, 200)}`);
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nforeign origin refused\n');
      return;
    }
    this.wss!.handleUpgrade(req, socket, head, (ws) => this.attach(ws));
  }

  private attach(ws: WebSocket): void {
    const client: Client = { ws, inFlight: false, pending: null, sent: 0, dropped: 0, alive: true };
    this.clients.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let cmd: unknown;
      try {
        cmd = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (cmd && typeof cmd === 'object' && typeof (cmd as Command).type === 'string') this.opts.onCommand?.(cmd as Command);
    });
    ws.on('error', () => {
      /* a client that breaks the protocol (e.g. too big a message) is closed by ws; nothing to do */
    });
    ws.on('close', () => {
      this.clients.delete(client);
    });
    this.sendControl(client, { type: 'hello', v: PROTOCOL_VERSION, ...this.opts.hello() });
    const status = this.opts.status?.();
    if (status) this.sendControl(client, { type: 'status', v: PROTOCOL_VERSION, ...status });
  }

  private ping(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.ws.terminate();
        this.clients.delete(c);
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        /* closing */
      }
    }
  }

  /** True when `msg` keeps the protocol's rules; else it is counted and said (each problem once), and not sent. */
  private wellFormed(msg: Record<string, unknown>): boolean {
    const err = checkMessage(msg);
    if (err === null) return true;
    this.malformed++;
    if (!this.malformedSeen.has(err) && this.malformedSeen.size < 50) {
      this.malformedSeen.add(err);
      this.opts.log?.(`not sending a malformed ${String(msg.type)} message (${err}); this is a bug of the agent`);
    }
    return false;
  }

  private sendControl(c: Client, msg: Record<string, unknown>): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    if (!this.wellFormed(msg)) return;
    if (c.ws.bufferedAmount > HARD_LIMIT) {
      c.ws.terminate();
      this.clients.delete(c);
      return;
    }
    c.ws.send(JSON.stringify(msg), () => {});
  }

  private sendFrame(c: Client, json: string, frameId: number): void {
    c.inFlight = true;
    c.ws.send(json, (err) => {
      c.inFlight = false;
      if (err) return;
      c.sent++;
      this.opts.onFrameSent?.(frameId, performance.now());
      const next = c.pending;
      if (next && c.ws.readyState === WebSocket.OPEN) {
        c.pending = null;
        this.sendFrame(c, next.json, next.frameId);
      }
    });
  }

  /**
   * Sends a frame message to every client. A client still busy with an earlier frame (its socket has
   * not taken it, or more than highWaterMark bytes are buffered) gets this one as its pending frame,
   * replacing any older pending frame: the newest frame wins, nothing queues up.
   */
  publishFrame(msg: FrameBody): number {
    if (this.clients.size === 0) return 0;
    const full = { type: 'frame', v: PROTOCOL_VERSION, ...msg, sentAt: Date.now() };
    if (!this.wellFormed(full)) return 0;
    const json = JSON.stringify(full);
    const hwm = this.opts.highWaterMark ?? DEFAULT_HIGH_WATER;
    let sent = 0;
    for (const c of this.clients) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      if (c.inFlight || c.ws.bufferedAmount > hwm) {
        if (c.pending) c.dropped++;
        c.pending = { json, frameId: msg.frameId };
        continue;
      }
      this.sendFrame(c, json, msg.frameId);
      sent++;
    }
    return sent;
  }

  /** Sends a control message (status, capture) to every client. */
  broadcast(msg: ControlMessage): void {
    for (const c of this.clients) this.sendControl(c, { ...msg, v: PROTOCOL_VERSION });
  }

  stats(): ClientStats[] {
    return [...this.clients].map((c) => ({ bufferedAmount: c.ws.bufferedAmount, sent: c.sent, dropped: c.dropped, pending: c.pending !== null }));
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
    // The overlay page and its files (the overlay module's own safe static serving: never outside overlay/).
    if (await serveOverlay(req, res, this.overlayDir)) return;
    if (this.opts.routes?.length) {
      let url: URL | undefined;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        url = undefined;
      }
      if (url) for (const route of this.opts.routes) if (await route(req, res, url, { port: this.boundPort, host: this.boundHost })) return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end('bad request path\n');
      return;
    }
    if (pathname === '/') {
      res.writeHead(200, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`ToonVision agent. Overlay page: http://${this.boundHost}:${this.boundPort}/overlay  WebSocket: ws://${this.boundHost}:${this.boundPort}/\n`);
      return;
    }
    res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const c of this.clients) {
      try {
        c.ws.close(1001, 'agent stopping');
      } catch {
        /* already closed */
      }
      setTimeout(() => c.ws.terminate(), 200).unref();
    }
    this.clients.clear();
    this.wss?.close();
    if (this.http) {
      const server = this.http;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    }
    this.http = undefined;
  }
}
