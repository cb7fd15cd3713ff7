// A stand-in for ToonTown Rewritten's local companion API (api-doc local.md) for the tests: a real
// HTTP server on 127.0.0.1 that answers GET /info.json with a Toon, its location, ToonTasks and the
// invasion in the documented shape, and rejects requests that lack the required headers (no
// Authorization: 401; a Host other than localhost:<port> or no User-Agent: 403; the doc says only
// "rejected", so the codes are ours). It can play a consent prompt not yet answered (the request is
// held open until allow()/deny()), a refusal, a closed game (nothing listens) and bad JSON, and it
// records every request.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type StandInMode = 'ok' | 'prompt' | 'denied' | 'bad-json';

export interface StandInTask {
  text: string;
  where?: string;
  current?: number;
  target?: number;
}

export interface StandInInfo {
  toon?: { name: string; species: string; headColor?: string; style?: string };
  location?: { zone: string; neighborhood: string; district: string };
  tasks?: StandInTask[];
  invasion?: { cog: string; quantity: number; mega: boolean } | null;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  status: number;
}

/** The /info.json document of the doc: toon, laff, location, gags, tasks, invasion. */
export function infoDocument(info: StandInInfo): unknown {
  return {
    toon: info.toon ?? { name: 'Flippy Doodlesplat', species: 'dog', headColor: '#e3c48e', style: '7401010101000b000b8b0101000101010400000000000000000000000000000000' },
    laff: { current: 40, max: 40 },
    location: info.location ?? { zone: 'Silly Street', neighborhood: 'Toontown Central', district: 'Zapwood' },
    gags: { Toonup: null, Trap: null, Lure: null, Sound: null, Throw: { gag: { level: 1, name: 'Cupcake' }, organic: null, experience: { current: 10, next: 20 } }, Squirt: null, Drop: null },
    tasks: (info.tasks ?? []).map((t) => ({
      objective: {
        text: t.text,
        where: t.where ?? 'Anywhere',
        progress: { text: `${t.current ?? 0} of ${t.target ?? 1} defeated`, current: t.current ?? 0, target: t.target ?? 1 },
      },
      from: { name: 'Flippy', building: 'Toon Hall', zone: 'Toontown Central', neighborhood: 'Toontown Central' },
      to: { name: 'Flippy', building: 'Toon Hall', zone: 'Toontown Central', neighborhood: 'Toontown Central' },
      reward: '+1 Laff',
      type: 'Just for fun!',
      deletable: false,
    })),
    invasion: info.invasion ?? null,
  };
}

export class CompanionStandIn {
  mode: StandInMode;
  info: StandInInfo;
  readonly requests: SeenRequest[] = [];
  private server: http.Server;
  private sockets = new Set<Socket>();
  private held: { res: ServerResponse; req: IncomingMessage }[] = [];
  port = 0;

  private constructor(mode: StandInMode, info: StandInInfo) {
    this.mode = mode;
    this.info = info;
    this.server = this.makeServer();
  }

  /** Starts on 127.0.0.1 (port 0: any free port). */
  static async start(opts: { mode?: StandInMode; info?: StandInInfo; port?: number } = {}): Promise<CompanionStandIn> {
    const s = new CompanionStandIn(opts.mode ?? 'ok', opts.info ?? {});
    await s.listen(opts.port ?? 0);
    return s;
  }

  private makeServer(): http.Server {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private reply(req: IncomingMessage, res: ServerResponse, status: number, body: string, type = 'application/json'): void {
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, status });
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const h = req.headers;
    if (!h.authorization) return this.reply(req, res, 401, JSON.stringify({ error: 'Authorization header required' }));
    if (h.host !== `localhost:${this.port}`) return this.reply(req, res, 403, JSON.stringify({ error: `Host must be localhost:${this.port}` }));
    if (!h['user-agent'] || h['user-agent'].length < 8) return this.reply(req, res, 403, JSON.stringify({ error: 'a descriptive User-Agent is required' }));
    if (req.method !== 'GET') return this.reply(req, res, 405, JSON.stringify({ error: 'GET only' }));
    if (!/^\/(info|all|toon|tasks|location|invasion|laff|gags)\.json$/.test(req.url ?? '')) return this.reply(req, res, 404, JSON.stringify({ error: 'not found' }));
    switch (this.mode) {
      case 'prompt':
        this.held.push({ req, res });
        return;
      case 'denied':
        return this.reply(req, res, 403, JSON.stringify({ error: 'the player denied this application' }));
      case 'bad-json':
        return this.reply(req, res, 200, '{"toon": {"name": "Flippy", "spec');
      case 'ok':
        return this.reply(req, res, 200, JSON.stringify(infoDocument(this.info)));
    }
  }

  /** The player answers the prompt: held requests (and later ones) get the data, or a 403. */
  answerPrompt(allow: boolean): void {
    this.mode = allow ? 'ok' : 'denied';
    for (const { req, res } of this.held.splice(0)) this.handle(req, res);
  }

  /** Requests waiting for the prompt. */
  get waiting(): number {
    return this.held.filter((h) => !h.res.destroyed && !h.req.destroyed).length;
  }

  /** The game closes: nothing listens on the port any more (connections are refused). */
  async closeGame(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.held = [];
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The game starts again on the same port. */
  async openGame(): Promise<void> {
    this.server = this.makeServer();
    await this.listen(this.port);
  }

  async stop(): Promise<void> {
    if (this.server.listening) await this.closeGame();
  }
}

/** A loopback port where nothing listens (bound, then released). */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
