// Retrain from the labelling page: one `toonvision retrain --json --progress-json` at a time, in a child
// process so that the agent keeps capturing and serving while the models train (and can stop it at
// once). Its progress is the JSON lines (train/progress.ts ProgressEvent) the command writes on stderr;
// its result is the command's JSON document. The running agent picks installed models up by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpError } from '../publish/guard.ts';
import type { ProgressEvent, ProgressPhase } from '../train/progress.ts';

const CLI = fileURLToPath(new URL('../../bin/toonvision.js', import.meta.url));

export interface RetrainJobOptions {
  root: string;
  models: string;
  /** `--tasks` (default: all of retrain's) */
  tasks?: string[];
  /** `--epochs` (default: the fast preset's) */
  epochs?: number;
  /** `--detector-seconds` */
  detectorSeconds?: number;
  seed?: number;
  /** further `toonvision retrain` flags, passed as they are */
  extraArgs?: string[];
}

export interface RetrainStatus {
  state: 'idle' | 'running' | 'done' | 'failed';
  startedAt?: string;
  finishedAt?: string;
  /** what the run is doing (extract, split, synthetic, train, outcome, done) */
  phase?: ProgressPhase;
  /** the task being trained, and the tasks of this run */
  task?: string;
  tasks?: string[];
  epoch?: number;
  epochs?: number;
  /** batches done in the current epoch, of `total` */
  step?: number;
  total?: number;
  /** estimated seconds left for the current task (from the last epoch's time) */
  secondsLeft?: number;
  elapsedSeconds?: number;
  /** the last lines of the command's log */
  log: string[];
  /** the retrain command's JSON result (per task: new and installed figures, installed or kept) */
  result?: unknown;
  error?: string;
}

const PHASES: readonly string[] = ['extract', 'split', 'synthetic', 'train', 'outcome', 'done'];

/** The progress event of one stderr line of `retrain --progress-json`, or null for any other line (a plain log line). */
export function readProgressLine(line: string): ProgressEvent | null {
  if (!line.startsWith('{')) return null;
  let e: unknown;
  try {
    e = JSON.parse(line);
  } catch {
    return null;
  }
  if (!e || typeof e !== 'object') return null;
  const ev = e as Record<string, unknown>;
  if (typeof ev.phase !== 'string' || !PHASES.includes(ev.phase) || typeof ev.message !== 'string') return null;
  return ev as unknown as ProgressEvent;
}

/** What an event changes in the job's status: the phase, the task (a new one clears the epoch), the epoch and time left. */
export function applyProgress(s: RetrainStatus, e: ProgressEvent): void {
  s.phase = e.phase;
  if (e.task !== s.task && (e.task !== undefined || e.phase === 'extract' || e.phase === 'split' || e.phase === 'done')) {
    Object.assign(s, { task: e.task, epoch: undefined, epochs: undefined, step: undefined, total: undefined, secondsLeft: undefined });
  }
  if (e.epoch !== undefined) Object.assign(s, { epoch: e.epoch, epochs: e.epochs });
  if (e.step !== undefined) Object.assign(s, { step: e.step, total: e.total });
  else if (e.epoch !== undefined) Object.assign(s, { step: undefined, total: undefined });
  if (e.secondsLeft !== undefined) s.secondsLeft = e.secondsLeft;
  if (e.phase === 'outcome' || e.phase === 'done') s.secondsLeft = undefined;
}

export class RetrainJob {
  private child: ChildProcess | undefined;
  private status: RetrainStatus = { state: 'idle', log: [] };
  private started = 0;

  constructor(readonly opts: RetrainJobOptions) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  current(): RetrainStatus {
    const s = { ...this.status, log: [...this.status.log] };
    if (this.running) s.elapsedSeconds = Math.round((Date.now() - this.started) / 100) / 10;
    return s;
  }

  /** Starts a run; a second one while the first runs is refused (409) with the reason. */
  start(): RetrainStatus {
    if (this.child) throw new HttpError(409, `a retrain is already running (started ${this.status.startedAt}, now on ${this.status.task ?? 'extracting'}); wait for it to finish`);
    const o = this.opts;
    const args = [CLI, 'retrain', '--root', o.root, '--models', o.models, '--json', '--progress-json'];
    if (o.tasks) args.push('--tasks', o.tasks.join(','));
    if (o.epochs) args.push('--epochs', String(o.epochs));
    if (o.detectorSeconds) args.push('--detector-seconds', String(o.detectorSeconds));
    if (o.seed !== undefined) args.push('--seed', String(o.seed));
    if (o.extraArgs) args.push(...o.extraArgs);
    this.started = Date.now();
    this.status = { state: 'running', startedAt: new Date().toISOString(), tasks: o.tasks, log: [] };
    const child = spawn(process.execPath, args, { cwd: path.resolve('.'), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let stdout = '';
    let pendingErr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      pendingErr += d;
      const lines = pendingErr.split(/\r?\n|\r/);
      pendingErr = lines.pop() ?? '';
      for (const l of lines) this.onLine(l);
    });
    child.on('error', (err) => this.finish(null, `cannot start retrain: ${err.message}`, ''));
    child.on('close', (code, signal) => {
      if (pendingErr) this.onLine(pendingErr);
      this.finish(code, signal ? `retrain stopped by ${signal}` : undefined, stdout);
    });
    return this.current();
  }

  private onLine(raw: string): void {
    const line = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trimEnd();
    if (!line.trim()) return;
    const s = this.status;
    const e = readProgressLine(line.trim());
    // Batch events move the counters only; every other event's message, and any plain line, goes to the log.
    if (!e || e.step === undefined) {
      s.log.push(e ? e.message : line);
      if (s.log.length > 40) s.log.splice(0, s.log.length - 40);
    }
    if (e) applyProgress(s, e);
  }

  private finish(code: number | null, reason: string | undefined, stdout: string): void {
    if (!this.child) return;
    this.child = undefined;
    const s = this.status;
    s.finishedAt = new Date().toISOString();
    s.elapsedSeconds = Math.round((Date.now() - this.started) / 100) / 10;
    s.secondsLeft = undefined;
    try {
      s.result = JSON.parse(stdout.trim().split('\n').pop() ?? '');
    } catch {
      s.result = undefined;
    }
    if (code === 0 && s.result !== undefined) s.state = 'done';
    else {
      s.state = 'failed';
      s.error = reason ?? [...s.log].reverse().find((l) => l.startsWith('toonvision:')) ?? `retrain exited with code ${code}`;
    }
  }

  /**
   * Stops a running retrain (the agent is stopping). retrain writes each model beside its target and
   * installs it by rename, so no installed model is ever half-written; the folders it was writing beside
   * (named after its pid) are removed once it has exited, waiting at most `waitMs` for that.
   */
  async stop(waitMs = 500): Promise<void> {
    const child = this.child;
    if (!child) return;
    const closed = new Promise<void>((r) => child.once('close', () => r()));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([closed.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), waitMs)))]);
    clearTimeout(timer);
    if (gaveUp || child.pid === undefined) return;
    const staged = new RegExp(`^\\.\\w+\\.candidate-${child.pid}(\\.partial-${child.pid})?$`);
    const names = await readdir(this.opts.models).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => staged.test(n)).map((n) => rm(path.join(this.opts.models, n), { recursive: true, force: true })));
  }
}
