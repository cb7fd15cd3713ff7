// `toonvision train`: the article's experiment. Loads the crops once, trains one or more runs
// (re-splitting before each when --runs > 1), evaluates every run on its test split, keeps the best
// run by the article's rule, and writes the model folder with history.json and plots, atomically.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { engineInfo, initEngine, tf } from '../engine/index.ts';
import type { ModelMetadata } from '../model/folder.ts';
import { installModelFolder, saveModelFolder, stagingFolder, STANDARD_PREPROCESSING } from '../model/folder.ts';
import type { Preset } from '../model/architectures.ts';
import type { Split } from '../dataset/layout.ts';
import { SPLITS } from '../dataset/layout.ts';
import type { ClassifierTask } from '../taxonomy.ts';
import { TASK_CLASSES } from '../taxonomy.ts';
import type { Example } from './data.ts';
import { countByClass, DataError, listTaskSplit, loadImages, requireEveryClass, targets } from './data.ts';
import type { Evaluation } from './evaluate.ts';
import { evaluateOn, isBetterRun } from './evaluate.ts';
import { PLOT_FILES, plotComparison, plotConfusion, plotCurves, plotWrong } from './plots.ts';
import type { Progress } from './progress.ts';
import { makeProgress } from './progress.ts';
import type { IndexSplit, Ratio } from './split.ts';
import { stratifiedSplit } from './split.ts';
import type { EpochRecord, TrainConfig } from './trainer.ts';
import { trainConfig, trainOnce } from './trainer.ts';
import type { LayersModel, Tensor, Tensor4D } from '@tensorflow/tfjs';
import { median } from '../median.ts';

export interface TrainOptions {
  root: string;
  task: ClassifierTask;
  preset: Preset;
  /** train the baseline (no augmentation, dropout, decay) instead of the optimized model */
  baseline?: boolean;
  /** train both baseline and optimized runs (the article's comparison); the optimized best is saved */
  compare?: boolean;
  epochs?: number;
  runs?: number;
  seed?: number;
  /** ratio for the re-split of --runs > 1 (default 0.6,0.2,0.2 as the article) */
  ratio?: Ratio;
  inputShape?: [number, number, number];
  out: string;
  progress?: Progress;
  /** skip the PNG plots (tests) */
  plots?: boolean;
  /**
   * More data roots whose crops (every split) join the training set only: synthetic scenes beside
   * the player's real captures. Validation and test stay the root's own. Needs runs = 1.
   */
  extraTrainRoots?: (string | { root: string; repeat: number })[];
  /** How many times each crop of the extra roots counts (default 1; a root given with its own repeat counts that often). */
  extraRepeat?: number;
  /**
   * Each of the root's own training crops counts this many times (real crops among many synthetic
   * ones); 'balance' makes them about a quarter of the training set (at most 20 times each). Default 1.
   */
  oversample?: number | 'balance';
}

/** The crops of every split of a root for a task; none (not an error) where a split or class is absent. */
export async function allTaskCrops(root: string, task: ClassifierTask): Promise<Example[]> {
  const out: Example[] = [];
  for (const s of SPLITS) {
    try {
      out.push(...(await listTaskSplit(root, s, task)));
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
    }
  }
  return out;
}

export interface RunRecord {
  run: number;
  group: 'baseline' | 'optimized';
  seed: number;
  /** 'disk' = the split folders as they are; 'resplit' = stratified re-split of all crops with `seed` */
  split: 'disk' | 'resplit';
  dataset: Record<Split, number>;
  epochs: EpochRecord[];
  test: { accuracy: number; loss: number };
  seconds: number;
  kept: boolean;
}

export interface HistoryFile {
  task: ClassifierTask;
  preset: Preset;
  createdAt: string;
  backend: string;
  root: string;
  config: Record<string, TrainConfig>;
  runs: RunRecord[];
  best: { run: number; group: string; accuracy: number; loss: number };
}

export interface TrainSummary {
  task: ClassifierTask;
  preset: Preset;
  baseline: boolean;
  out: string;
  backend: string;
  runs: number;
  /** epochs of each run (given, or the preset's default for the training set) */
  epochs: number;
  best: { run: number; group: string; accuracy: number; loss: number };
  testAccuracy: number;
  testLoss: number;
  dataset: Record<Split, Record<string, number>>;
  groups: Record<string, { runs: number; medianAccuracy: number; medianLoss: number }>;
  files: string[];
  seconds: number;
}

function gatherRows(t: Tensor, rows: readonly number[]): Tensor {
  return tf.tidy(() => tf.gather(t, tf.tensor1d(rows as number[], 'int32')));
}

function countRows(examples: readonly Example[], rows: readonly number[], task: ClassifierTask): Record<string, number> {
  return countByClass(rows.map((r) => examples[r]!), task);
}

/** Trains, evaluates and writes the model folder `opts.out` (installed atomically when complete). */
export async function runTraining(opts: TrainOptions): Promise<TrainSummary> {
  const started = Date.now();
  await initEngine();
  const backend = engineInfo()!.backend;
  const progress = opts.progress ?? makeProgress({ quiet: true });
  const runs = opts.runs ?? 1;
  const seed = opts.seed ?? 1;
  const ratio = opts.ratio ?? [0.6, 0.2, 0.2];
  const { task, preset } = opts;
  const groups: ('baseline' | 'optimized')[] = opts.compare ? ['baseline', 'optimized'] : [opts.baseline ? 'baseline' : 'optimized'];
  const saveGroup = groups.includes('optimized') ? 'optimized' : 'baseline';
  const classes = TASK_CLASSES[task];

  // The crops, per split on disk; pooled into one tensor read once.
  const bySplit = {} as Record<Split, Example[]>;
  const extraTimes = Math.max(1, Math.round(opts.extraRepeat ?? 1));
  const extraSpecs = (opts.extraTrainRoots ?? []).map((r) => (typeof r === 'string' ? { root: r, repeat: extraTimes } : { root: r.root, repeat: Math.max(1, Math.round(r.repeat)) }));
  const extraRoots = extraSpecs.map((r) => r.root);
  if (extraRoots.length && runs !== 1) throw new DataError('extra training roots need a single run (runs = 1)');
  for (const s of SPLITS) {
    try {
      bySplit[s] = await listTaskSplit(opts.root, s, task);
    } catch (err) {
      // With extra roots, the root's own training crops may be few or none for a task (a coarse-only capture session).
      if (!(err instanceof DataError) || s !== 'train' || extraRoots.length === 0) throw err;
      bySplit[s] = [];
    }
  }
  const extra: Example[] = [];
  const extraRepeatOf: number[] = [];
  for (const r of extraSpecs) {
    const crops = await allTaskCrops(r.root, task);
    extra.push(...crops);
    extraRepeatOf.push(...crops.map(() => r.repeat));
  }
  const pooled: Example[] = [...bySplit.train, ...bySplit.validate, ...bySplit.test, ...extra];
  const diskSplit: IndexSplit = { train: [], validate: [], test: [] };
  let offset = 0;
  for (const s of SPLITS) {
    diskSplit[s] = bySplit[s].map((_, i) => offset + i);
    offset += bySplit[s].length;
  }
  const own = diskSplit.train.length;
  const times = opts.oversample === 'balance'
    ? (own === 0 ? 1 : Math.max(1, Math.min(20, Math.round(extra.length / (3 * own)))))
    : Math.max(1, Math.round(opts.oversample ?? 1));
  if (times > 1) progress.line(`  the root's ${own} training crops count ${times} times beside ${extra.length} crops of ${extraRoots.join(', ')}`);
  // every extra crop once, then again for those that count twice, ... (with one repeat for all: the rows repeated whole)
  const extraRows = Array.from({ length: Math.max(0, ...extraRepeatOf) }, (_, k) => extra.flatMap((_, i) => (extraRepeatOf[i]! > k ? [offset + i] : []))).flat();
  diskSplit.train = [...Array.from({ length: times }, () => diskSplit.train).flat(), ...extraRows];
  if (runs === 1) requireEveryClass(diskSplit.train.map((i) => pooled[i]!), task, [path.join(opts.root, 'data', 'train'), ...extraRoots].join(' + '));
  else requireEveryClass(pooled, task, path.join(opts.root, 'data'));
  // The fast preset's default epochs follow the number of training crops (a re-split's share with --runs).
  const trainCrops = runs === 1 ? diskSplit.train.length : Math.round((pooled.length * ratio[0]) / (ratio[0] + ratio[1] + ratio[2]));
  const configs: Record<string, TrainConfig> = {};
  for (const g of groups) configs[g] = trainConfig(task, preset, g === 'baseline', { epochs: opts.epochs, inputShape: opts.inputShape, trainCrops });
  const inputShape = configs[groups[0]!]!.inputShape;

  progress.line(`loading ${pooled.length} crops for task '${task}' at ${inputShape[0]}x${inputShape[1]} (${backend})`);
  const x = await loadImages(pooled.map((e) => e.file), inputShape);
  const y = targets(pooled, task);
  const classOf = pooled.map((e) => e.y);
  const labels = pooled.map((e) => e.label);
  const staged = stagingFolder(opts.out);
  let best: { record: RunRecord; model: LayersModel; evaluation: Evaluation; split: IndexSplit } | undefined;
  const records: RunRecord[] = [];
  try {
    for (const group of groups) {
      const cfg = configs[group]!;
      let groupBest: { accuracy: number; loss: number } | undefined;
      for (let r = 0; r < runs; r++) {
        const runSeed = seed + r;
        const split = runs === 1 ? diskSplit : stratifiedSplit(labels, ratio, runSeed);
        if (split.test.length === 0) throw new DataError(`${path.join(opts.root, 'data', 'test')}: no test crops for task '${task}' in run ${r + 1}`);
        if (runs > 1) requireEveryClass(split.train.map((i) => pooled[i]!), task, `re-split ${r + 1} of ${path.join(opts.root, 'data')}`);
        progress.begin(`${group} run ${r + 1}/${runs}: ${split.train.length} train, ${split.validate.length} validate, ${split.test.length} test crops`);
        const t0 = Date.now();
        const { model, history } = await trainOnce(cfg, { pool: { x, y }, train: split.train, validate: split.validate, classOf, numClasses: classes.length }, runSeed, progress);
        progress.end();
        const testX = gatherRows(x, split.test) as Tensor4D;
        const evaluation = await evaluateOn(model, task, classes, split.test.map((i) => pooled[i]!), testX);
        testX.dispose();
        const record: RunRecord = {
          run: r + 1,
          group,
          seed: runSeed,
          split: runs === 1 ? 'disk' : 'resplit',
          dataset: { train: split.train.length, validate: split.validate.length, test: split.test.length },
          epochs: history,
          test: { accuracy: evaluation.accuracy, loss: evaluation.loss },
          seconds: (Date.now() - t0) / 1000,
          kept: false,
        };
        records.push(record);
        const better = isBetterRun(record.test, groupBest);
        progress.line(`  test accuracy ${(evaluation.accuracy * 100).toFixed(2)}% loss ${evaluation.loss.toFixed(4)}${better ? ' (best so far: kept)' : ''}`);
        if (better) {
          groupBest = record.test;
          record.kept = true;
          if (group === saveGroup) {
            best?.model.dispose();
            best = { record, model, evaluation, split };
            continue;
          }
        }
        model.dispose();
      }
    }
    const chosen = best!;
    const dataset = {
      train: countRows(pooled, chosen.split.train, task),
      validate: countRows(pooled, chosen.split.validate, task),
      test: countRows(pooled, chosen.split.test, task),
    };
    const lastEpoch = chosen.record.epochs.at(-1);
    const metadata: ModelMetadata = {
      task,
      classes: [...classes],
      inputShape,
      preprocessing: STANDARD_PREPROCESSING,
      backend,
      createdAt: new Date().toISOString(),
      metrics: {
        testAccuracy: chosen.evaluation.accuracy,
        testLoss: chosen.evaluation.loss,
        trainAccuracy: lastEpoch?.accuracy,
        trainLoss: lastEpoch?.loss,
        validationAccuracy: lastEpoch?.valAccuracy,
        validationLoss: lastEpoch?.valLoss,
        perClass: chosen.evaluation.perClass,
      },
      preset,
      baseline: saveGroup === 'baseline',
      dataset,
      training: { ...configs[saveGroup]!, seed: chosen.record.seed, run: chosen.record.run, runs, root: opts.root },
    };
    const history: HistoryFile = {
      task,
      preset,
      createdAt: metadata.createdAt,
      backend,
      root: opts.root,
      config: configs,
      runs: records,
      best: { run: chosen.record.run, group: saveGroup, accuracy: chosen.evaluation.accuracy, loss: chosen.evaluation.loss },
    };
    await rm(staged, { recursive: true, force: true });
    await saveModelFolder(staged, chosen.model, metadata);
    await writeFile(path.join(staged, 'history.json'), `${JSON.stringify(history, null, 1)}\n`);
    const files = ['model.json', 'weights.bin', 'metadata.json', 'history.json'];
    if (opts.plots !== false) files.push(...(await writePlots(staged, history, chosen.evaluation)));
    await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
    await installModelFolder(staged, opts.out);
    const groupStats: TrainSummary['groups'] = {};
    for (const g of groups) {
      const rs = records.filter((r) => r.group === g);
      groupStats[g] = { runs: rs.length, medianAccuracy: median(rs.map((r) => r.test.accuracy)), medianLoss: median(rs.map((r) => r.test.loss)) };
    }
    return {
      task,
      preset,
      baseline: saveGroup === 'baseline',
      out: opts.out,
      backend,
      runs,
      epochs: configs[saveGroup]!.epochs,
      best: history.best,
      testAccuracy: chosen.evaluation.accuracy,
      testLoss: chosen.evaluation.loss,
      dataset,
      groups: groupStats,
      files,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    best?.model.dispose();
    x.dispose();
    y.dispose();
    if (existsSync(staged)) await rm(staged, { recursive: true, force: true });
  }
}

/** Writes the plots of a history into a model folder; returns the file names written. */
export async function writePlots(dir: string, history: HistoryFile, evaluation: Evaluation): Promise<string[]> {
  const title = `${history.task} (${history.preset})`;
  const written: string[] = [];
  await plotCurves(history.runs.map((r) => ({ group: r.group, history: r.epochs })), path.join(dir, PLOT_FILES.curves), `${title}: loss and accuracy`);
  written.push(PLOT_FILES.curves);
  const groups = new Set(history.runs.map((r) => r.group));
  if (groups.size > 1 || history.runs.length > 1) {
    await plotComparison(history.runs.map((r) => ({ group: r.group, ...r.test })), path.join(dir, PLOT_FILES.boxplot), `${title}: test evaluation over runs`);
    written.push(PLOT_FILES.boxplot);
  }
  await plotConfusion(evaluation, path.join(dir, PLOT_FILES.confusion), title);
  written.push(PLOT_FILES.confusion);
  await plotWrong(evaluation, path.join(dir, PLOT_FILES.wrong), title);
  written.push(PLOT_FILES.wrong);
  return written;
}
