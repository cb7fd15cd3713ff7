// `toonvision retrain`: the player's one command after a play session. Extract the new screenshots
// (moving them to raw/processed), re-split, train each task with the fast preset, evaluate the new
// and the installed model on the same test split, and install the new one into <models>/<task>/ only
// when it is at least as good. A new model is written beside (a dot folder in <models>) and swapped
// in by rename, so a running agent never sees a half-written model.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { extractScreenshots } from '../dataset/extract.ts';
import type { ExtractResult } from '../dataset/extract.ts';
import { splitDataset } from '../dataset/split.ts';
import { layout } from '../dataset/layout.ts';
import type { SplitResult } from '../dataset/split.ts';
import { installModelFolder } from '../model/folder.ts';
import type { ClassifierTask, Task } from '../taxonomy.ts';
import { CLASSIFIER_TASKS } from '../taxonomy.ts';
import { evaluateModelFolder } from './evaluate-model.ts';
import { detectorMap, detectorScenes, trainDetectorTask } from './detector-task.ts';
import type { Progress } from './progress.ts';
import { makeProgress } from './progress.ts';
import { runTraining } from './experiment.ts';

export interface Figures {
  accuracy: number;
  loss: number;
}

export interface TaskOutcome {
  task: Task;
  /** true when the new model replaced (or became) models/<task> */
  installed: boolean;
  reason: string;
  model: string;
  /** the new model's test figures (detector: mAP50 on held-out frames, as accuracy; loss NaN -> null) */
  new: Figures | { mAP50: number } | null;
  /** the installed model's figures on the same test data, or null when none was installed */
  old: Figures | { mAP50: number } | null;
  oldError?: string;
  error?: string;
  seconds: number;
}

export interface RetrainResult {
  root: string;
  models: string;
  extract: Pick<ExtractResult, 'screenshots' | 'crops' | 'byLabel' | 'errors'> & { moved?: number };
  split: Pick<SplitResult, 'train' | 'validate' | 'test' | 'seed'>;
  tasks: TaskOutcome[];
  seconds: number;
}

export interface RetrainOptions {
  root: string;
  tasks: Task[];
  models: string;
  seed?: number;
  epochs?: number;
  /** detector: stop training after this many seconds */
  detectorSeconds?: number;
  progress?: Progress;
  /** skip plots in the new model folders (tests) */
  plots?: boolean;
}

/** "At least as good": higher test accuracy, or the same accuracy with a loss no higher. */
export function atLeastAsGood(candidate: Figures, installed: Figures | null): boolean {
  if (!installed) return true;
  if (candidate.accuracy !== installed.accuracy) return candidate.accuracy > installed.accuracy;
  return candidate.loss <= installed.loss;
}

function fmt(f: Figures | { mAP50: number } | null): string {
  if (!f) return 'none';
  return 'mAP50' in f ? `mAP@0.5 ${f.mAP50.toFixed(3)}` : `${(f.accuracy * 100).toFixed(2)}% loss ${f.loss.toFixed(4)}`;
}

export async function retrain(opts: RetrainOptions): Promise<RetrainResult> {
  const started = Date.now();
  const progress = opts.progress ?? makeProgress({ quiet: true });
  const seed = opts.seed ?? Date.now() % 100000;
  progress.line(`extracting new screenshots in ${opts.root}`);
  if (!existsSync(opts.root)) throw new Error(`${opts.root}: no such data root`);
  const ex: ExtractResult = existsSync(layout(opts.root).screenshots)
    ? await extractScreenshots(opts.root, { move: true })
    : { screenshots: 0, crops: 0, byLabel: {}, errors: [], difficult: 0, moved: 0 };
  progress.line(`  ${ex.screenshots} screenshots, ${ex.crops} crops${ex.errors.length ? `, ${ex.errors.length} failed (first: ${ex.errors[0]!.file}: ${ex.errors[0]!.reason})` : ''}`);
  const sp = await splitDataset(opts.root, { seed });
  progress.line(`  split: ${sp.train} train, ${sp.validate} validate, ${sp.test} test crops (seed ${sp.seed})`);
  await mkdir(opts.models, { recursive: true });
  const outcomes: TaskOutcome[] = [];
  for (const task of opts.tasks) {
    const t0 = Date.now();
    const target = path.join(opts.models, task);
    const candidate = path.join(opts.models, `.${task}.candidate-${process.pid}`);
    const outcome: TaskOutcome = { task, installed: false, reason: '', model: target, new: null, old: null, seconds: 0 };
    outcomes.push(outcome);
    progress.line(`retraining ${task}`);
    try {
      if (task === 'detector') {
        const scenes = await detectorScenes(opts.root, seed);
        const res = await trainDetectorTask({ root: opts.root, out: candidate, seed, epochs: opts.epochs, maxSeconds: opts.detectorSeconds, log: (l) => progress.line(l) }, scenes);
        const fresh = res.mAP50 ?? 0;
        outcome.new = { mAP50: fresh };
        let old: number | null = null;
        if (existsSync(target) && scenes.held.length) {
          try {
            old = await detectorMap(target, scenes.held);
            outcome.old = { mAP50: old };
          } catch (err) {
            outcome.oldError = (err as Error).message;
          }
        }
        outcome.installed = old === null || fresh >= old;
        outcome.reason = old === null
          ? outcome.oldError ? `installed model could not be evaluated (${outcome.oldError})` : 'no model installed'
          : outcome.installed ? 'new mAP@0.5 at least as high' : 'installed model has a higher mAP@0.5';
      } else {
        const ctask = task as ClassifierTask;
        const summary = await runTraining({ root: opts.root, task: ctask, preset: 'fast', epochs: opts.epochs, seed, out: candidate, progress, plots: opts.plots });
        const fresh: Figures = { accuracy: summary.testAccuracy, loss: summary.testLoss };
        outcome.new = fresh;
        let old: Figures | null = null;
        if (existsSync(target)) {
          try {
            const ev = await evaluateModelFolder(target, opts.root, 'test', ctask);
            old = { accuracy: ev.accuracy, loss: ev.loss };
            outcome.old = old;
          } catch (err) {
            outcome.oldError = (err as Error).message;
          }
        }
        outcome.installed = atLeastAsGood(fresh, old);
        outcome.reason = old === null
          ? outcome.oldError ? `installed model could not be evaluated (${outcome.oldError})` : 'no model installed'
          : outcome.installed ? 'new model at least as good on the test split' : 'installed model is better on the test split';
      }
      if (outcome.installed) await installModelFolder(candidate, target);
      progress.line(`  ${task}: new ${fmt(outcome.new)}, installed ${fmt(outcome.old)} -> ${outcome.installed ? `installed ${target}` : 'kept the installed model'} (${outcome.reason})`);
    } catch (err) {
      outcome.installed = false;
      outcome.error = (err as Error).message.split('\n')[0];
      outcome.reason = `training failed: ${outcome.error}`;
      progress.line(`  ${task}: ${outcome.reason}`);
    } finally {
      await rm(candidate, { recursive: true, force: true });
      outcome.seconds = (Date.now() - t0) / 1000;
    }
  }
  return {
    root: opts.root,
    models: opts.models,
    extract: { screenshots: ex.screenshots, crops: ex.crops, byLabel: ex.byLabel, errors: ex.errors, moved: ex.moved },
    split: { train: sp.train, validate: sp.validate, test: sp.test, seed: sp.seed },
    tasks: outcomes,
    seconds: (Date.now() - started) / 1000,
  };
}

export const RETRAIN_TASKS: readonly Task[] = [...CLASSIFIER_TASKS, 'detector'];
