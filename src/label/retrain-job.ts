// Retrain from the labelling page: one `toonvision retrain --json` at a time, in a child process so
// that the agent keeps capturing and serving while the models train (and can stop it at once). Its
// progress is read from the lines the command writes on stderr (task, epoch, seconds per epoch); its
// result is the command's JSON document. The running agent picks installed models up by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpError } from '../publish/guard.ts';

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
  /** the task being trained, and the tasks of this run */
  task?: string;
  tasks?: string[];
  epoch?: number;
  epochs?: number;
  /** estimated seconds left for the current task (from the last epoch's time) */
  secondsLeft?: number;
  elapsedSeconds?: number;
  /** the last lines of the command's log */
  log: string[];
  /** the retrain command's JSON result (per task: new and installed figures, installed or kept) */
  result?: unknown;
  error?: string;
}

// The lines `toonvision retrain` writes on stderr off a terminal: `retraining <task>`, a classifier's
// epochLine() (train/progress.ts: that epoch's seconds) and the detector's epoch line (seconds since
// its training started).
const TASK_LINE = /^retraining (\w+)$/;
const EPOCH_LINE = /^\s*epoch (\d+)\/(\d+) loss .*\(([\d.]+) s\)\s*$/;
const DETECTOR_EPOCH_LINE = /^\s*epoch (\d+)\/(\d+): loss .*\(([\d.]+) s\)\s*$/;
/** retrain's default --detector-seconds */
const DETECTOR_SECONDS = 300;

export type ProgressLine = { task: string } | { epoch: number; epochs: number; secondsLeft: number };

/** What a line of the retrain command's log says about its progress, if anything. */
export function parseProgressLine(line: string, detectorSeconds = DETECTOR_SECONDS): ProgressLine | null {
  const t = TASK_LINE.exec(line);
  if (t) return { task: t[1]! };
  const e = EPOCH_LINE.exec(line);
  if (e) {
    const epoch = Number(e[1]);
    const epochs = Number(e[2]);
    return { epoch, epochs, secondsLeft: Math.round((epochs - epoch) * Number(e[3])) };
  }
  const d = DETECTOR_EPOCH_LINE.exec(line);
  if (d) {
    const epoch = Number(d[1]);
    const epochs = Number(d[2]);
    const elapsed = Number(d[3]);
    // The detector stops at its last epoch or at its time budget, whichever comes first.
    return { epoch, epochs, secondsLeft: Math.max(0, Math.round(Math.min((epochs - epoch) * (elapsed / epoch), detectorSeconds - elapsed))) };
  }
  return null;
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
    const args = [CLI, 'retrain', '--root', o.root, '--models', o.models, '--json'];
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
    s.log.push(line);
    if (s.log.length > 40) s.log.splice(0, s.log.length - 40);
    const p = parseProgressLine(line, this.opts.detectorSeconds);
    if (p && 'task' in p) Object.assign(s, { task: p.task, epoch: undefined, epochs: undefined, secondsLeft: undefined });
    else if (p) Object.assign(s, p);
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
