// The models the cascade runs: one folder per task under models/ (models/<task>/ with model.json + metadata.json),
// falling back to models/demo/<task>/ for tasks the player has not trained. Hot reload: a chokidar
// watcher sees a folder replaced (retrain installs by rename), loads the new model beside the old one,
// and the agent swaps it in between two frames; a model that does not load is refused and the old one
// kept. The old model is disposed only after the swap, so no frame ever runs on a disposed model.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watch, type FSWatcher } from 'chokidar';
import { loadDetector, type Detector } from '../detect/index.ts';
import { ONNX_FILE, type LoadedModel } from '../model/folder.ts';
import { loadClassifier, type Classifier } from './classifier.ts';
import type { ClassifierTask, Task } from '../taxonomy.ts';
import { TASKS } from '../taxonomy.ts';
import { initEngine, initInference } from '../engine/index.ts';

/** The package's shipped demo models. */
export const PACKAGE_DEMO_MODELS = fileURLToPath(new URL('../../models/demo/', import.meta.url));

/** The folder beside `detector/` in models/demo/ that holds the detector of synthetic scenes. */
export const SYNTHETIC_DETECTOR = 'detector-synthetic';

export type ClassifierSlotTask = ClassifierTask;

export type Slot = { task: 'detector'; dir: string; origin: Origin; loaded: Detector } | { task: ClassifierSlotTask; dir: string; origin: Origin; loaded: Classifier };
export type Origin = 'player' | 'demo';

export interface ModelInfo {
  dir: string;
  origin: Origin;
  createdAt?: string;
  preset?: string;
  classes: number;
  inputShape: number[];
  /** What the model infers on: 'onnxruntime' or 'tfjs'. */
  runtime: string;
  /** detector: a pretrained one's kind ('nanodet') and what its rescorer was fitted on, when it has one */
  kind?: string;
  rescorer?: { screenshots: number; source?: string };
}

function metadataOf(slot: Slot): LoadedModel['metadata'] {
  return slot.loaded.metadata;
}

export interface ModelSetOptions {
  /** Where the player's models are (default models/). */
  dir: string;
  /** Watch for replaced folders (default true). */
  watch?: boolean;
  /** Debounce for file events, ms (default 400). */
  debounceMs?: number;
  /** Also fall back to the package's shipped models/demo/ (default true). */
  packageDemo?: boolean;
  /** Messages for the player (status + log). */
  onMessage?: (message: string, kind: 'info' | 'refused') => void;
}

/** Where a task's model lives: the player's folder, else the demo folder(s). */
export function candidateDirs(modelsDir: string, task: Task, packageDemo = true): { dir: string; origin: Origin }[] {
  const list = [
    { dir: path.join(modelsDir, task), origin: 'player' as Origin },
    { dir: path.join(modelsDir, 'demo', task), origin: 'demo' as Origin },
    ...(packageDemo ? [{ dir: path.join(PACKAGE_DEMO_MODELS, task), origin: 'demo' as Origin }] : []),
  ];
  const seen = new Set<string>();
  return list.filter((c) => {
    const key = path.resolve(c.dir);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function hasModel(dir: string): boolean {
  return existsSync(path.join(dir, 'metadata.json')) && existsSync(path.join(dir, 'model.json'));
}

/** A fingerprint of a model folder, to tell a replaced folder from an untouched one. */
function fingerprint(dir: string): string {
  try {
    const d = statSync(dir);
    const m = statSync(path.join(dir, 'model.json'));
    const j = statSync(path.join(dir, 'metadata.json'));
    const o = statSync(path.join(dir, ONNX_FILE), { throwIfNoEntry: false });
    return `${d.ino}:${m.ino}:${m.mtimeMs}:${m.size}:${j.mtimeMs}:${j.size}:${o ? `${o.ino}:${o.mtimeMs}:${o.size}` : '-'}`;
  } catch {
    return 'absent';
  }
}

async function loadSlot(task: Task, dir: string, origin: Origin): Promise<Slot> {
  if (task === 'detector') return { task, dir, origin, loaded: await loadDetector(dir) };
  return { task, dir, origin, loaded: await loadClassifier(dir, task) };
}

function disposeSlot(slot: Slot): void {
  try {
    slot.loaded.dispose();
  } catch {
    /* already disposed */
  }
}

export class ModelSet {
  private readonly slots = new Map<Task, Slot>();
  private readonly prints = new Map<Task, string>();
  private readonly pending = new Map<Task, Slot | null>();
  private readonly timers = new Map<Task, NodeJS.Timeout>();
  private readonly loading = new Map<Task, Promise<void>>();
  private watcher: FSWatcher | undefined;
  /** Completed swaps, for tests and the hello message. */
  swaps = 0;
  private synthetic: Detector | undefined;
  refusals = 0;

  constructor(readonly opts: ModelSetOptions) {}

  get dir(): string {
    return this.opts.dir;
  }

  /** Loads every task's model that exists; a model that fails to load is reported and skipped. */
  async loadAll(): Promise<void> {
    // The engine and the inference runtime first: a classifier folder is loaded before the detector,
    // and predict, bench real and retrain's teacher start here, not from the agent's start-up.
    await initEngine();
    await initInference();
    for (const task of TASKS) {
      const c = candidateDirs(this.opts.dir, task, this.opts.packageDemo !== false).find((x) => hasModel(x.dir));
      if (!c) continue;
      try {
        this.slots.set(task, await loadSlot(task, c.dir, c.origin));
        this.prints.set(task, fingerprint(c.dir));
      } catch (err) {
        this.refusals++;
        this.opts.onMessage?.(`${task} model not loaded: ${(err as Error).message.split('\n')[0]}`, 'refused');
        // Try the next candidate (e.g. the demo model when the player's is broken).
        for (const other of candidateDirs(this.opts.dir, task, this.opts.packageDemo !== false).filter((x) => x.dir !== c.dir && hasModel(x.dir))) {
          try {
            this.slots.set(task, await loadSlot(task, other.dir, other.origin));
            this.prints.set(task, fingerprint(other.dir));
            break;
          } catch {
            /* keep looking */
          }
        }
      }
    }
    // The shipped detector of synthetic scenes (the demo source): the real-game detector is a
    // pretrained one, which is slower and was never meant for flat vector drawings. Loaded once.
    const synth = candidateDirs(this.opts.dir, 'detector', this.opts.packageDemo !== false)
      .filter((c) => c.origin === 'demo')
      .map((c) => path.join(path.dirname(c.dir), SYNTHETIC_DETECTOR))
      .find(hasModel);
    if (synth) {
      try {
        this.synthetic = await loadDetector(synth);
      } catch (err) {
        this.opts.onMessage?.(`synthetic-scene detector not loaded: ${(err as Error).message.split('\n')[0]}`, 'refused');
      }
    }
    if (this.opts.watch !== false) this.startWatching();
  }

  private startWatching(): void {
    if (this.watcher) return;
    const root = path.resolve(this.opts.dir);
    // Watch even a models folder that does not exist yet: the first retrain creates it.
    try {
      mkdirSync(root, { recursive: true });
    } catch (err) {
      this.opts.onMessage?.(`cannot watch ${root} for new models (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'info');
      return;
    }
    this.watcher = watch(root, { ignoreInitial: true, depth: 3, awaitWriteFinish: false });
    const onEvent = (file: string) => {
      const rel = path.relative(root, path.resolve(file)).split(path.sep);
      const task = (rel[0] === 'demo' ? rel[1] : rel[0]) as Task | undefined;
      if (!task || !(TASKS as readonly string[]).includes(task)) return;
      this.schedule(task);
    };
    for (const ev of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) this.watcher.on(ev, onEvent);
    this.watcher.on('error', (err) => this.opts.onMessage?.(`model watcher: ${(err as Error).message}`, 'info'));
  }

  /** Resolves when the watcher is ready (tests). */
  async ready(): Promise<void> {
    const w = this.watcher;
    if (!w) return;
    await new Promise<void>((resolve) => {
      w.once('ready', () => resolve());
      setTimeout(resolve, 2000).unref();
    });
  }

  private schedule(task: Task): void {
    clearTimeout(this.timers.get(task));
    this.timers.set(
      task,
      setTimeout(() => {
        this.timers.delete(task);
        void this.reload(task);
      }, this.opts.debounceMs ?? 400),
    );
  }

  /** Loads the task's current folder if it changed; the result is swapped in by applyPending(). */
  reload(task: Task): Promise<void> {
    const prev = this.loading.get(task) ?? Promise.resolve();
    const next = prev.then(() => this.doReload(task));
    this.loading.set(task, next);
    return next;
  }

  private async doReload(task: Task): Promise<void> {
    const c = candidateDirs(this.opts.dir, task, this.opts.packageDemo !== false).find((x) => hasModel(x.dir));
    const current = this.slots.get(task);
    if (!c) {
      // Folder removed and no fallback: keep what is loaded (a running model is better than none).
      return;
    }
    const print = fingerprint(c.dir);
    if (current && current.dir === c.dir && this.prints.get(task) === print) return;
    try {
      const slot = await loadSlot(task, c.dir, c.origin);
      const stale = this.pending.get(task);
      if (stale) disposeSlot(stale);
      this.pending.set(task, slot);
      this.prints.set(task, print);
    } catch (err) {
      this.refusals++;
      this.prints.set(task, print); // do not retry the same broken folder until it changes again
      this.opts.onMessage?.(
        `refused the new ${task} model in ${c.dir}: ${(err as Error).message.split('\n')[0]}; ${current ? `keeping ${current.dir}` : 'no model for this task'}`,
        'refused',
      );
    }
  }

  /** Swaps loaded replacements in (call between frames). Returns the tasks swapped. */
  applyPending(): Task[] {
    if (this.pending.size === 0) return [];
    const swapped: Task[] = [];
    for (const [task, slot] of this.pending) {
      if (!slot) continue;
      const old = this.slots.get(task);
      this.slots.set(task, slot);
      if (old) disposeSlot(old);
      swapped.push(task);
      this.swaps++;
      this.opts.onMessage?.(`now using the ${task} model from ${slot.dir}`, 'info');
    }
    this.pending.clear();
    return swapped;
  }

  classifier(task: ClassifierSlotTask): Classifier | undefined {
    const s = this.slots.get(task);
    return s && s.task !== 'detector' ? s.loaded : undefined;
  }

  detector(): Detector | undefined {
    const s = this.slots.get('detector');
    return s && s.task === 'detector' ? s.loaded : undefined;
  }

  /** The detector for synthetic frames (demo scenes): the shipped synthetic one, else detector(). */
  syntheticDetector(): Detector | undefined {
    return this.synthetic ?? this.detector();
  }

  slot(task: Task): Slot | undefined {
    return this.slots.get(task);
  }

  get empty(): boolean {
    return this.slots.size === 0;
  }

  /** Per task: where the model came from, or null. */
  info(): Record<string, ModelInfo | null> {
    const out: Record<string, ModelInfo | null> = {};
    for (const task of TASKS) {
      const s = this.slots.get(task);
      if (!s) {
        out[task] = null;
        continue;
      }
      const m = metadataOf(s);
      const runtime = s.loaded.session ? 'onnxruntime' : 'tfjs';
      out[task] = { dir: s.dir, origin: s.origin, createdAt: m.createdAt, preset: m.preset, classes: m.classes.length, inputShape: [...m.inputShape], runtime };
      const det = (m as { detector?: { kind?: string; rescore?: { fittedOn?: { screenshots: number; source?: string } } } }).detector;
      if (det?.kind) out[task]!.kind = det.kind;
      if (det?.rescore?.fittedOn) out[task]!.rescorer = { screenshots: det.rescore.fittedOn.screenshots, source: det.rescore.fittedOn.source };
    }
    return out;
  }

  async close(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.watcher?.close();
    this.watcher = undefined;
    await Promise.allSettled([...this.loading.values()]);
    for (const s of this.pending.values()) if (s) disposeSlot(s);
    this.pending.clear();
    for (const s of this.slots.values()) disposeSlot(s);
    this.slots.clear();
    this.synthetic?.dispose();
    this.synthetic = undefined;
  }
}
