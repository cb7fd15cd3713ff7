// `toonvision train --compare-optimizers`: the article's choice of an optimizer. The task's network is
// trained once per optimizer on the same split, from the same initial weights and in the same batch
// order, at a static learning rate (the baseline: no augmentation, dropout or decay); every run's
// history goes to history.json and all of them to one plot, optimizers.png.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { engineInfo, initEngine } from '../engine/index.ts';
import type { Preset } from '../model/architectures.ts';
import { installModelFolder, stagingFolder } from '../model/folder.ts';
import type { ClassifierTask } from '../taxonomy.ts';
import { TASK_CLASSES } from '../taxonomy.ts';
import { countByClass, DataError, listTaskSplit, loadImages, requireEveryClass, targets } from './data.ts';
import type { OptimizerName } from './optimizers.ts';
import { OPTIMIZERS } from './optimizers.ts';
import { PLOT_FILES, plotCurves } from './plots.ts';
import type { Progress } from './progress.ts';
import { makeProgress } from './progress.ts';
import type { EpochRecord, TrainConfig } from './trainer.ts';
import { trainConfig, trainOnce } from './trainer.ts';

/** The article's comparison: 20 epochs at a static 1e-3. */
export const COMPARE_DEFAULTS = { epochs: 20, learningRate: 1e-3 } as const;

/**
 * When a loss counts as flattened: over the second half of the epochs the training loss fell by less
 * than FALL of its first epoch's value, while still above FLOOR of it (a loss near zero that stops
 * falling has converged, it has not flattened).
 */
export const FLATTENED = { fall: 0.1, floor: 0.2 } as const;

/** Whether a training loss curve stopped falling (see FLATTENED); never for fewer than four epochs (no trend to judge). */
export function lossFlattened(losses: readonly number[]): boolean {
  if (losses.length < 4 || losses.some((l) => !Number.isFinite(l))) return false;
  const first = losses[0]!;
  const last = losses[losses.length - 1]!;
  const mid = losses[Math.floor((losses.length - 1) / 2)]!;
  if (first <= 0) return false;
  return (mid - last) / first < FLATTENED.fall && last > FLATTENED.floor * first;
}

export interface CompareOptimizersOptions {
  root: string;
  task: ClassifierTask;
  preset: Preset;
  /** default: every optimizer of OPTIMIZERS */
  optimizers?: readonly OptimizerName[];
  epochs?: number;
  learningRate?: number;
  seed?: number;
  inputShape?: [number, number, number];
  /** folder receiving history.json and optimizers.png (replaced atomically); never a model folder */
  out: string;
  progress?: Progress;
  /** skip optimizers.png (tests of the history alone) */
  plots?: boolean;
}

/** One optimizer's figures at the last epoch (null: no validation crops, or a loss that is not a number). */
export interface OptimizerSummary {
  name: OptimizerName;
  finalLoss: number | null;
  finalValLoss: number | null;
  finalAccuracy: number | null;
  finalValAccuracy: number | null;
  flattened: boolean;
}

export interface OptimizerRun extends OptimizerSummary {
  epochs: EpochRecord[];
  seconds: number;
}

export interface OptimizersHistory {
  task: ClassifierTask;
  preset: Preset;
  createdAt: string;
  backend: string;
  root: string;
  seed: number;
  /** the configuration shared by every run, but for its optimizer */
  config: Omit<TrainConfig, 'optimizer'>;
  dataset: { train: Record<string, number>; validate: Record<string, number> };
  flattenedRule: typeof FLATTENED;
  runs: OptimizerRun[];
}

export interface CompareOptimizersResult {
  optimizers: OptimizerSummary[];
  task: ClassifierTask;
  preset: Preset;
  out: string;
  backend: string;
  epochs: number;
  learningRate: number;
  seed: number;
  dataset: { train: number; validate: number };
  files: string[];
  seconds: number;
}

const finite = (x: number | undefined): number | null => (x === undefined || !Number.isFinite(x) ? null : x);

/** Trains the task's network with each optimizer and writes history.json and optimizers.png into `opts.out`. */
export async function compareOptimizers(opts: CompareOptimizersOptions): Promise<CompareOptimizersResult> {
  const started = Date.now();
  if (existsSync(path.join(opts.out, 'model.json'))) {
    throw new DataError(`${opts.out}: holds a model (model.json); --compare-optimizers writes plots and histories only and would replace it, give another --out`);
  }
  await initEngine();
  const backend = engineInfo()!.backend;
  const progress = opts.progress ?? makeProgress({ quiet: true });
  const names = [...(opts.optimizers ?? OPTIMIZERS)];
  const seed = opts.seed ?? 1;
  const { task, preset } = opts;
  // The training and validation folders only: the test split is not needed.
  const bySplit = { train: await listTaskSplit(opts.root, 'train', task), validate: await listTaskSplit(opts.root, 'validate', task) };
  requireEveryClass(bySplit.train, task, path.join(opts.root, 'data', 'train'));
  // The baseline (no augmentation, dropout or decay): the article compared optimizers before optimizing.
  const base = trainConfig(task, preset, true, {
    epochs: opts.epochs ?? COMPARE_DEFAULTS.epochs,
    learningRate: opts.learningRate ?? COMPARE_DEFAULTS.learningRate,
    inputShape: opts.inputShape,
  });
  const used = [...bySplit.train, ...bySplit.validate];
  const train = bySplit.train.map((_, i) => i);
  const validate = bySplit.validate.map((_, i) => train.length + i);
  progress.line(`loading ${used.length} crops for task '${task}' at ${base.inputShape[0]}x${base.inputShape[1]} (${backend})`);
  const x = await loadImages(used.map((e) => e.file), base.inputShape);
  const y = targets(used, task);
  const classOf = used.map((e) => e.y);
  const staged = stagingFolder(opts.out);
  const runs: OptimizerRun[] = [];
  try {
    for (const [i, name] of names.entries()) {
      progress.begin(`optimizer ${name} (${i + 1}/${names.length}): ${train.length} train, ${validate.length} validate crops, ${base.epochs} epochs at learning rate ${base.learningRate}`);
      const t0 = Date.now();
      const { model, history } = await trainOnce({ ...base, optimizer: name }, { pool: { x, y }, train, validate, classOf, numClasses: TASK_CLASSES[task].length }, seed, progress);
      progress.end();
      model.optimizer.dispose();
      model.dispose();
      const last = history.at(-1);
      const run: OptimizerRun = {
        name,
        finalLoss: finite(last?.loss),
        finalValLoss: finite(last?.valLoss),
        finalAccuracy: finite(last?.accuracy),
        finalValAccuracy: finite(last?.valAccuracy),
        flattened: lossFlattened(history.map((h) => h.loss)),
        epochs: history,
        seconds: (Date.now() - t0) / 1000,
      };
      runs.push(run);
      const f = (v: number | null, d = 4) => (v === null ? '-' : v.toFixed(d));
      progress.line(`  ${name}: loss ${f(run.finalLoss)} val_loss ${f(run.finalValLoss)} acc ${f(run.finalAccuracy)} val_acc ${f(run.finalValAccuracy)}${run.flattened ? ' (flattened)' : ''} (${run.seconds.toFixed(0)} s)`);
    }
    const { optimizer: _adam, ...config } = base;
    const history: OptimizersHistory = {
      task,
      preset,
      createdAt: new Date().toISOString(),
      backend,
      root: opts.root,
      seed,
      config,
      dataset: { train: countByClass(bySplit.train, task), validate: countByClass(bySplit.validate, task) },
      flattenedRule: FLATTENED,
      runs,
    };
    await rm(staged, { recursive: true, force: true });
    await mkdir(staged, { recursive: true });
    await writeFile(path.join(staged, 'history.json'), `${JSON.stringify(history, null, 1)}\n`);
    const files = ['history.json'];
    if (opts.plots !== false) {
      await plotCurves(
        runs.map((r) => ({ group: r.name, history: r.epochs })),
        path.join(staged, PLOT_FILES.optimizers),
        `${task} (${preset}): optimizers at a static learning rate of ${base.learningRate}, ${base.epochs} epochs`,
        { panels: true, legend: 'optimizer' },
      );
      files.push(PLOT_FILES.optimizers);
    }
    await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
    await installModelFolder(staged, opts.out);
    return {
      optimizers: runs.map(({ epochs: _e, seconds: _s, ...summary }) => summary),
      task,
      preset,
      out: opts.out,
      backend,
      epochs: base.epochs,
      learningRate: base.learningRate,
      seed,
      dataset: { train: train.length, validate: validate.length },
      files,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    x.dispose();
    y.dispose();
    if (existsSync(staged)) await rm(staged, { recursive: true, force: true });
  }
}
