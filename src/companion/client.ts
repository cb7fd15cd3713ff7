// The companion client of ToonTown Rewritten's local API (its public api-doc, local.md): every few
// seconds one `GET /info.json` to the game on localhost:1547..1552 (the first port that answers is
// remembered; multitoons take the next ports), with the headers the API requires: `Host:
// localhost:<port>`, a descriptive `User-Agent` (the game shows it in its consent prompt) and a random
// per-session `Authorization`. It sends nothing else. A closed game, a consent prompt not yet answered,
// a refusal, a timeout or bad JSON are said in its status; it keeps polling, backing off while it fails.
// Node's http client is used (not fetch) because the API wants a Host header fetch may not set.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import { parseObjective, type Objective } from './objectives.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** The ports the game's API may listen on (1547, then the next ones for more game windows). */
export const COMPANION_PORTS: readonly number[] = [1547, 1548, 1549, 1550, 1551, 1552];
/** The only resource the client asks for. */
export const COMPANION_PATH = '/info.json';
export const COMPANION_USER_AGENT = `ToonVision/${version} (marks the Cogs your ToonTasks need on screen; reads your Toon, location, ToonTasks and invasion)`;

/**
 * The ports to try: TOONVISION_COMPANION_PORTS ("1547-1552", "1547,1549") when set, else 1547..1552.
 * A bad value is an error naming it.
 */
export function companionPorts(env: NodeJS.ProcessEnv = process.env): number[] {
  const v = env.TOONVISION_COMPANION_PORTS?.trim();
  if (!v) return [...COMPANION_PORTS];
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const a = m ? Number(m[1]) : NaN;
    const b = m && m[2] !== undefined ? Number(m[2]) : a;
    if (!m || !(a >= 1 && b <= 65535 && a <= b && b - a < 64)) throw new Error(`TOONVISION_COMPANION_PORTS: '${part.trim()}' is not a port or a range like 1547-1552`);
    for (let p = a; p <= b; p++) out.push(p);
  }
  return out;
}

export type CompanionState = 'off' | 'searching' | 'closed' | 'pending' | 'refused' | 'error' | 'connected';

export interface CompanionTask {
  text: string;
  where: string;
  progress: { current: number; target: number; text?: string };
  /** what the objective text asks for (objectives.ts) */
  objective: Objective;
}

export interface CompanionInvasion {
  cog: string;
  quantity?: number;
  mega?: boolean;
}

/** The `companion` object of the agent's hello/status messages and of `doctor --json`. */
export interface CompanionStatus {
  connected: boolean;
  state: CompanionState;
  /** the port that answered last, if any */
  port?: number;
  toon?: { name: string; species: string };
  location?: { zone?: string; neighborhood?: string; district?: string };
  tasks: CompanionTask[];
  invasion?: CompanionInvasion;
  message: string;
  /** ms since the epoch of the last good answer */
  updatedAt?: number;
}

export interface CompanionOptions {
  ports?: readonly number[];
  /** host name to connect to; the Host header always names localhost as the API requires */
  host?: string;
  intervalMs?: number;
  /** how long one request may take before the port counts as not answering */
  timeoutMs?: number;
  /** how long a request may stay open once the game seems to be showing its consent prompt */
  consentWaitMs?: number;
  maxBackoffMs?: number;
  /** how long the last good data is kept (and marked) after the game stops answering */
  staleMs?: number;
  userAgent?: string;
}

type Outcome =
  | { kind: 'ok'; port: number; body: unknown }
  | { kind: 'closed'; port: number; reason: string }
  | { kind: 'pending'; port: number }
  | { kind: 'refused'; port: number; status: number; body: string }
  | { kind: 'error'; port: number; reason: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** The parts of an /info.json answer the agent uses, or a reason it is not such an answer. */
export function readInfo(body: unknown): { toon?: CompanionStatus['toon']; location?: CompanionStatus['location']; tasks: CompanionTask[]; invasion?: CompanionInvasion } | string {
  const info = obj(body);
  if (!info) return 'the answer is not a JSON object';
  const toonO = obj(info.toon);
  const toon = toonO && str(toonO.name) !== undefined ? { name: str(toonO.name)!, species: str(toonO.species) ?? '' } : undefined;
  const locO = obj(info.location);
  const location = locO ? { zone: str(locO.zone), neighborhood: str(locO.neighborhood), district: str(locO.district) } : undefined;
  const tasks: CompanionTask[] = [];
  const rawTasks = Array.isArray(info.tasks) ? info.tasks : obj(info.tasks) && Array.isArray(obj(info.tasks)!.tasks) ? (obj(info.tasks)!.tasks as unknown[]) : [];
  for (const t of rawTasks) {
    const o = obj(obj(t)?.objective);
    const text = str(o?.text);
    if (!o || text === undefined) continue;
    const p = obj(o.progress);
    tasks.push({
      text,
      where: str(o.where) ?? 'Anywhere',
      progress: { current: num(p?.current) ?? 0, target: num(p?.target) ?? 0, ...(str(p?.text) ? { text: str(p?.text) } : {}) },
      objective: parseObjective(text),
    });
  }
  const invO = obj(info.invasion);
  const invasion = invO && str(invO.cog) ? { cog: str(invO.cog)!, quantity: num(invO.quantity), mega: typeof invO.mega === 'boolean' ? invO.mega : undefined } : undefined;
  if (!toon && !location && rawTasks.length === 0 && !('invasion' in info)) return 'the answer has none of toon, location, tasks, invasion';
  return { toon, location, tasks, invasion };
}

/** One GET /info.json to one port. Never throws. */
export function askPort(port: number, o: { host: string; timeoutMs: number; userAgent: string; authorization: string }): Promise<Outcome> {
  return new Promise((resolve) => {
    let connected = false;
    let done = false;
    const finish = (out: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(out);
    };
    const req = http.request({
      host: o.host,
      port,
      path: COMPANION_PATH,
      method: 'GET',
      agent: false,
      headers: { Host: `localhost:${port}`, 'User-Agent': o.userAgent, Authorization: o.authorization, Accept: 'application/json', Connection: 'close' },
    });
    const timer = setTimeout(
      () => finish(connected ? { kind: 'pending', port } : { kind: 'closed', port, reason: `no connection within ${o.timeoutMs} ms` }),
      o.timeoutMs,
    );
    req.on('socket', (sock) => {
      if (!(sock as net.Socket).connecting) connected = true;
      else sock.once('connect', () => (connected = true));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (/ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH|EHOSTUNREACH|ENOTFOUND/.test(code) || /ECONNREFUSED/.test(String(err.message))) finish({ kind: 'closed', port, reason: 'connection refused' });
      else finish({ kind: 'error', port, reason: `${code || 'error'}: ${err.message}`.slice(0, 160) });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 4 * 1024 * 1024) finish({ kind: 'error', port, reason: 'answer over 4 MB' });
        else chunks.push(c);
      });
      res.on('error', (err) => finish({ kind: 'error', port, reason: err.message }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status === 401 || status === 403) return finish({ kind: 'refused', port, status, body: text.slice(0, 200) });
        if (status !== 200) return finish({ kind: 'error', port, reason: `HTTP ${status} ${text.slice(0, 120)}`.trim() });
        try {
          finish({ kind: 'ok', port, body: JSON.parse(text) });
        } catch (err) {
          finish({ kind: 'error', port, reason: `bad JSON (${(err as Error).message.slice(0, 80)})` });
        }
      });
    });
    req.end();
  });
}

/** A TCP-only look at the ports (no request, so the game shows no consent prompt): which accept a connection. */
export async function listeningPorts(ports: readonly number[] = companionPorts(), host = 'localhost', timeoutMs = 800): Promise<number[]> {
  const open = await Promise.all(
    ports.map(
      (port) =>
        new Promise<boolean>((resolve) => {
          const sock = net.connect({ host, port, autoSelectFamily: true });
          const done = (ok: boolean) => {
            sock.destroy();
            resolve(ok);
          };
          sock.setTimeout(timeoutMs, () => done(false));
          sock.once('connect', () => done(true));
          sock.once('error', () => done(false));
        }),
    ),
  );
  return ports.filter((_, i) => open[i]);
}

export interface CompanionClientEvents {
  status: [CompanionStatus];
}

/**
 * Polls the game's companion API while started. `status()` is the current state; a 'status' event
 * follows every change of state, port, Toon, tasks or invasion.
 */
export class CompanionClient extends EventEmitter<CompanionClientEvents> {
  readonly authorization = randomBytes(24).toString('base64url');
  readonly ports: readonly number[];
  private readonly o: Required<Omit<CompanionOptions, 'ports'>>;
  private current: CompanionStatus;
  private port: number | undefined;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<CompanionStatus> | undefined;
  /** bumped by stop(): a poll that started before it does not touch the status */
  private generation = 0;
  private lastGood: Pick<CompanionStatus, 'toon' | 'location' | 'tasks' | 'invasion' | 'updatedAt'> | undefined;
  /** requests made, by port (for doctor and tests) */
  readonly requests = { count: 0 };

  constructor(opts: CompanionOptions = {}) {
    super();
    this.ports = opts.ports ?? companionPorts();
    this.o = {
      host: opts.host ?? 'localhost',
      intervalMs: opts.intervalMs ?? 3000,
      timeoutMs: opts.timeoutMs ?? 4000,
      consentWaitMs: opts.consentWaitMs ?? 60_000,
      maxBackoffMs: opts.maxBackoffMs ?? 30_000,
      staleMs: opts.staleMs ?? 30_000,
      userAgent: opts.userAgent ?? COMPANION_USER_AGENT,
    };
    this.current = { connected: false, state: 'off', tasks: [], message: 'companion off (start the agent with --companion, or turn it on in /view)' };
  }

  status(): CompanionStatus {
    return this.current;
  }

  get started(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    this.set({ connected: false, state: 'searching', tasks: [], message: `looking for the game's companion API on ${this.portsText()}` });
    void this.loop();
  }

  /** Stops polling (a request in flight is abandoned) and forgets the Toon's data. */
  stop(): void {
    this.running = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastGood = undefined;
    this.set({ connected: false, state: 'off', tasks: [], message: 'companion off' });
  }

  private portsText(): string {
    const p = this.ports;
    return p.length > 1 && p[p.length - 1] - p[0] === p.length - 1 ? `localhost:${p[0]}-${p[p.length - 1]}` : p.map((x) => `localhost:${x}`).join(', ');
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    await this.pollOnce();
    if (!this.running) return;
    this.timer = setTimeout(() => void this.loop(), this.nextDelayMs());
    this.timer.unref?.();
  }

  /** The wait before the next poll: the interval, doubled per failure in a row up to maxBackoffMs. */
  nextDelayMs(): number {
    return this.failures === 0 ? this.o.intervalMs : Math.min(this.o.maxBackoffMs, this.o.intervalMs * 2 ** Math.min(this.failures, 16));
  }

  /** One poll: the remembered port, or each port in turn until one answers. Never overlaps another. */
  pollOnce(): Promise<CompanionStatus> {
    this.inFlight ??= this.poll().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async poll(): Promise<CompanionStatus> {
    const gen = this.generation;
    const ask = (port: number, timeoutMs: number) => {
      this.requests.count++;
      return askPort(port, { host: this.o.host, timeoutMs, userAgent: this.o.userAgent, authorization: this.authorization });
    };
    let out: Outcome | undefined;
    if (this.port !== undefined) {
      out = await ask(this.port, this.current.state === 'pending' ? this.o.consentWaitMs : this.o.timeoutMs);
      if (out.kind === 'closed') this.port = undefined; // the game closed or moved: search again
    }
    if (this.port === undefined) {
      let firstClosed: Outcome | undefined;
      for (const port of this.ports) {
        if (gen !== this.generation) break;
        const o = await ask(port, this.o.timeoutMs);
        if (o.kind !== 'closed') {
          out = o;
          this.port = port;
          break;
        }
        firstClosed ??= o;
      }
      out ??= firstClosed;
    }
    return gen === this.generation ? this.apply(out) : this.current;
  }

  private apply(out: Outcome | undefined): CompanionStatus {
    const keep = (): Partial<CompanionStatus> => {
      const g = this.lastGood;
      if (!g || g.updatedAt === undefined || Date.now() - g.updatedAt > this.o.staleMs) return { tasks: [] };
      return { ...g };
    };
    if (!out) {
      this.failures++;
      return this.set({ connected: false, state: 'closed', ...keep(), tasks: keep().tasks ?? [], message: 'no ports to try' });
    }
    if (out.kind === 'ok') {
      const info = readInfo(out.body);
      if (typeof info === 'string') {
        this.failures++;
        return this.set({ connected: false, state: 'error', port: out.port, ...keep(), tasks: keep().tasks ?? [], message: `port ${out.port} answered, but ${info}` });
      }
      this.failures = 0;
      this.lastGood = { ...info, updatedAt: Date.now() };
      const n = info.tasks.length;
      return this.set({
        connected: true,
        state: 'connected',
        port: out.port,
        ...this.lastGood,
        message: `connected on port ${out.port}${info.toon ? `: ${info.toon.name}` : ''}, ${n} ToonTask${n === 1 ? '' : 's'}${info.invasion ? `, ${info.invasion.cog} invasion` : ''}`,
      });
    }
    this.failures++;
    const k = keep();
    const base = { connected: false, ...k, tasks: k.tasks ?? [] };
    switch (out.kind) {
      case 'closed':
        return this.set({ ...base, state: 'closed', message: `no answer on ${this.portsText()} (${out.reason}): the game is not running, or not logged in` });
      case 'pending':
        return this.set({ ...base, state: 'pending', port: out.port, message: `port ${out.port} took the request but has not answered: allow ToonVision in the game's prompt` });
      case 'refused':
        return this.set({
          ...base,
          state: 'refused',
          port: out.port,
          message: `the game refused ToonVision on port ${out.port} (HTTP ${out.status}${out.body ? `: ${out.body.replace(/\s+/g, ' ').slice(0, 80)}` : ''}): allow it in the game's prompt`,
        });
      case 'error':
        return this.set({ ...base, state: 'error', port: out.port, message: `port ${out.port}: ${out.reason}` });
    }
  }

  private set(next: CompanionStatus): CompanionStatus {
    const prev = this.current;
    this.current = next;
    const same =
      prev.state === next.state &&
      prev.port === next.port &&
      prev.message === next.message &&
      JSON.stringify([prev.toon, prev.location, prev.tasks.map((t) => [t.text, t.progress]), prev.invasion]) ===
        JSON.stringify([next.toon, next.location, next.tasks.map((t) => [t.text, t.progress]), next.invasion]);
    if (!same) this.emit('status', next);
    return next;
  }
}

/** What `doctor` says about the companion API. */
export interface CompanionProbe {
  /** the ports tried */
  ports: number[];
  /** the ports that accept a connection (the game, when it runs) */
  listening: number[];
  /** whether /info.json was asked (doctor --companion), which may show the game's consent prompt */
  asked: boolean;
  connected: boolean;
  state: CompanionState | 'listening' | 'not-asked';
  port: number | null;
  message: string;
  toon?: { name: string; species: string };
  tasks?: number;
}

/**
 * Doctor's look at the companion API: by default only whether something listens on its ports (no
 * request, so no consent prompt in the game); with `ask`, one GET /info.json as the agent would send.
 */
export async function probeCompanion(opts: { ask?: boolean; ports?: readonly number[]; host?: string; timeoutMs?: number } = {}): Promise<CompanionProbe> {
  const ports = [...(opts.ports ?? companionPorts())];
  const host = opts.host ?? 'localhost';
  const listening = await listeningPorts(ports, host);
  if (!opts.ask) {
    return {
      ports,
      listening,
      asked: false,
      connected: false,
      state: listening.length ? 'listening' : 'closed',
      port: listening[0] ?? null,
      message: listening.length
        ? `port ${listening[0]} accepts connections (the game's companion API when the game runs); not asked: doctor --companion asks it, and the game may show its consent prompt`
        : `nothing listens on ${ports.length > 1 ? `localhost:${ports[0]}-${ports[ports.length - 1]}` : `localhost:${ports[0]}`}: the game is not running`,
    };
  }
  const client = new CompanionClient({ ports: listening.length ? listening : ports, host, timeoutMs: opts.timeoutMs });
  const s = await client.pollOnce();
  return {
    ports,
    listening,
    asked: true,
    connected: s.connected,
    state: s.state,
    port: s.port ?? null,
    message: s.message,
    ...(s.toon ? { toon: s.toon } : {}),
    ...(s.connected ? { tasks: s.tasks.length } : {}),
  };
}
