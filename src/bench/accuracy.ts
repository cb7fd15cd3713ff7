// `toonvision bench accuracy`: the classifier accuracy benchmark on synthetic scenes. Trains each task
// with the fast preset on scenes of one seed and tests it on crops of scenes of another seed it never
// saw, timing the training. The data roots can be kept in a work folder and are then reused.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { engineInfo, initEngine } from '../engine/index.ts';
import type { Ratio } from '../dataset/split.ts';
import type { ClassifierTask } from '../taxonomy.ts';
import { evaluateModelFolder } from '../train/evaluate-model.ts';
import { runTraining } from '../train/experiment.ts';
import type { Progress } from '../train/progress.ts';
import { makeProgress } from '../train/progress.ts';
import { makeSyntheticRoot } from '../train/synthetic.ts';

/** The training module's accuracy targets on an unseen synthetic seed (fast preset, ≤ 15 min of training per task). */
export const ACCURACY_TARGETS: Record<ClassifierTask, number> = { binary: 0.995, suit: 0.99, name: 0.97, animal: 0.97 };
export const TRAINING_BUDGET_SECONDS = 15 * 60;

export const ACCURACY_DEFAULTS = { trainScenes: 1600, trainSeed: 101, testScenes: 300, testSeed: 777, seed: 3 };

export interface AccuracyBenchOptions {
  tasks: ClassifierTask[];
  trainScenes: number;
  trainSeed: number;
  testScenes: number;
  testSeed: number;
  /** seed of weights, shuffling and augmentation */
  seed: number;
  /** epochs of every task (default: the fast preset's per task) */
  epochs?: number;
  /** keep the data roots and models here (reused by later runs with the same scenes and seed) */
  work?: string;
  progress?: Progress;
}

export interface AccuracyTaskResult {
  task: ClassifierTask;
  epochs: number;
  trainCrops: number;
  validateCrops: number;
  testCrops: number;
  trainSeconds: number;
  accuracy: number;
  loss: number;
  target: number;
  met: boolean;
  withinBudget: boolean;
}

export interface AccuracyBenchResult {
  preset: 'fast';
  backend: string;
  train: { scenes: number; seed: number; crops: number };
  test: { scenes: number; seed: number; crops: number };
  budgetSeconds: number;
  tasks: AccuracyTaskResult[];
  work: string | null;
}

/** Training scenes split 85/10/5 (the 5% is the trainer's own test split); test scenes all go to test. */
const TRAIN_RATIO: Ratio = [0.85, 0.1, 0.05];
const TEST_RATIO: Ratio = [0, 0, 1];

/** A synthetic root in `dir`, generated once: a `bench-root.json` stamp marks it complete. */
async function syntheticRoot(dir: string, scenes: number, seed: number, ratio: Ratio, progress: Progress): Promise<number> {
  const stamp = path.join(dir, 'bench-root.json');
  if (existsSync(stamp)) {
    const s = JSON.parse(await readFile(stamp, 'utf8')) as { scenes: number; seed: number; crops: number };
    if (s.scenes === scenes && s.seed === seed) {
      progress.line(`reusing ${dir} (${scenes} scenes of seed ${seed}, ${s.crops} crops)`);
      return s.crops;
    }
  }
  await rm(dir, { recursive: true, force: true });
  progress.line(`generating ${scenes} scenes of seed ${seed} in ${dir}`);
  const r = await makeSyntheticRoot(dir, { scenes, seed, ratio, log: (l) => progress.line(l) });
  await writeFile(stamp, `${JSON.stringify({ scenes, seed, crops: r.crops })}\n`);
  return r.crops;
}

export async function runAccuracyBench(opts: AccuracyBenchOptions): Promise<AccuracyBenchResult> {
  const progress = opts.progress ?? makeProgress({ quiet: true });
  await initEngine();
  const work = opts.work ?? (await mkdtemp(path.join(os.tmpdir(), 'toonvision-bench-accuracy-')));
  await mkdir(work, { recursive: true });
  try {
    const trainRoot = path.join(work, `train-seed${opts.trainSeed}-${opts.trainScenes}`);
    const testRoot = path.join(work, `test-seed${opts.testSeed}-${opts.testScenes}`);
    const trainCrops = await syntheticRoot(trainRoot, opts.trainScenes, opts.trainSeed, TRAIN_RATIO, progress);
    const testCrops = await syntheticRoot(testRoot, opts.testScenes, opts.testSeed, TEST_RATIO, progress);
    const tasks: AccuracyTaskResult[] = [];
    for (const task of opts.tasks) {
      const out = path.join(work, 'models', task);
      const s = await runTraining({ root: trainRoot, task, preset: 'fast', epochs: opts.epochs, seed: opts.seed, out, progress });
      const ev = await evaluateModelFolder(out, testRoot, 'test');
      const count = (split: 'train' | 'validate') => Object.values(s.dataset[split]).reduce((a, b) => a + b, 0);
      const target = ACCURACY_TARGETS[task];
      const r: AccuracyTaskResult = {
        task,
        epochs: s.epochs,
        trainCrops: count('train'),
        validateCrops: count('validate'),
        testCrops: ev.count,
        trainSeconds: Math.round(s.seconds * 10) / 10,
        accuracy: ev.accuracy,
        loss: ev.loss,
        target,
        met: ev.accuracy >= target,
        withinBudget: s.seconds <= TRAINING_BUDGET_SECONDS,
      };
      progress.line(
        `${task}: ${(r.accuracy * 100).toFixed(2)}% on ${r.testCrops} unseen crops (target ${(target * 100).toFixed(1)}%), ` +
          `trained in ${r.trainSeconds.toFixed(0)} s on ${r.trainCrops} crops`,
      );
      tasks.push(r);
    }
    return {
      preset: 'fast',
      backend: engineInfo()!.backend,
      train: { scenes: opts.trainScenes, seed: opts.trainSeed, crops: trainCrops },
      test: { scenes: opts.testScenes, seed: opts.testSeed, crops: testCrops },
      budgetSeconds: TRAINING_BUDGET_SECONDS,
      tasks,
      work: opts.work ?? null,
    };
  } finally {
    if (!opts.work) await rm(work, { recursive: true, force: true });
  }
}
