// `toonvision retrain`: the player's one command after a play session. Extract the new screenshots
// (moving them to raw/processed), re-split, train each task with the fast preset, evaluate the new
// and the installed model on the same test split, and install the new one into <models>/<task>/ only
// when it is at least as good. A new model is written beside (a dot folder in <models>) and swapped
// in by rename, so a running agent never sees a half-written model.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { loadPredictor, teacherScenes } from '../predict/predict.ts';
import { makeSyntheticRoot } from './synthetic.ts';
import { loadScenes } from '../detect/data.ts';
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
import { listTaskSplit } from './data.ts';
import { detectorAp, detectorScenes, trainDetectorTask } from './detector-task.ts';
import { isRescorable, measureRescorer, writeRescoredFolder } from './rescorer-task.ts';
import { candidateDirs } from '../predict/models.ts';
import type { Progress } from './progress.ts';
import { makeProgress } from './progress.ts';
import { runTraining } from './experiment.ts';

export interface Figures {
  accuracy: number;
  loss: number;
}

export interface DetectorFigures {
  /** Cog/Toon mAP@0.5 of the detector's own labels; null for a pretrained one (the binary model labels its boxes) */
  mAP50: number | null;
  /** class-agnostic AP@0.5: what detectors are compared on */
  anyAP50: number;
  /** true when measured by cross-validation on the screenshots (a rescorer fitted on the other folds) */
  crossValidated?: boolean;
}

/** Fewer held-out screenshots (detector) or test crops (classifiers) than this cannot tell two models apart. */
export const MIN_HELD_SCREENSHOTS = 5;
export const MIN_TEST_CROPS = 10;
/** A pretrained detector's rescorer is fitted (and cross-validated) on at least this many labelled screenshots. */
export const MIN_RESCORE_SCREENSHOTS = 5;

/** The model folder the agent runs for a task: the player's, else the shipped demo one; undefined when none. */
export function currentModelDir(models: string, task: Task): string | undefined {
  return candidateDirs(models, task).find((c) => existsSync(path.join(c.dir, 'metadata.json')))?.dir;
}

export interface TaskOutcome {
  task: Task;
  /** true when the new model replaced (or became) models/<task> */
  installed: boolean;
  reason: string;
  model: string;
  /** the new model's test figures (detector: AP@0.5 of any character and Cog/Toon mAP@0.5 on held-out screenshots) */
  new: Figures | DetectorFigures | null;
  /** the current model's figures on the same test data (the one the agent runs: the player's, else the shipped one), or null when none */
  old: Figures | DetectorFigures | null;
  /** the folder the new model was compared with */
  current?: string;
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
  /**
   * Synthetic street scenes learnt together with the captures (training only; held-out and test data
   * stay the player's): generated once into <root>/synthetic/ and reused. 0 turns them off.
   */
  synthetic?: number;
  /** Real Cog head renders (cog_<suit>_<name>.png) to texture the synthetic Cogs with. */
  cogHeads?: string;
  /** Where the synthetic scenes are kept (default <root>/synthetic). */
  syntheticCache?: string;
  /** fewer test crops than this keep the current classifier (default MIN_TEST_CROPS) */
  minTestCrops?: number;
  /** skip plots in the new model folders (tests) */
  plots?: boolean;
}

/** "At least as good": higher test accuracy, or the same accuracy with a loss no higher. */
export function atLeastAsGood(candidate: Figures, installed: Figures | null): boolean {
  if (!installed) return true;
  if (candidate.accuracy !== installed.accuracy) return candidate.accuracy > installed.accuracy;
  return candidate.loss <= installed.loss;
}

function fmt(f: Figures | DetectorFigures | null): string {
  if (!f) return 'none';
  return 'anyAP50' in f ? `AP@0.5 ${f.anyAP50.toFixed(3)} (any character${f.crossValidated ? ', cross-validated' : ''})${f.mAP50 === null ? '' : `, mAP@0.5 ${f.mAP50.toFixed(3)}`}` : `${(f.accuracy * 100).toFixed(2)}% loss ${f.loss.toFixed(4)}`;
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
  // Made (or found in the cache) only when a task trains a network: fitting a rescorer needs none.
  let synthetic: Promise<string | undefined> | undefined;
  const synthRootOnce = (): Promise<string | undefined> =>
    (synthetic ??= (opts.synthetic ?? 0) > 0 ? syntheticRoot(opts.syntheticCache ?? path.join(opts.root, 'synthetic'), opts.synthetic!, opts.cogHeads, progress) : Promise.resolve(undefined));
  const outcomes: TaskOutcome[] = [];
  for (const task of opts.tasks) {
    const t0 = Date.now();
    const target = path.join(opts.models, task);
    const candidate = path.join(opts.models, `.${task}.candidate-${process.pid}`);
    const outcome: TaskOutcome = { task, installed: false, reason: '', model: target, new: null, old: null, seconds: 0 };
    outcomes.push(outcome);
    progress.line(`retraining ${task}`);
    try {
      const current = currentModelDir(opts.models, task);
      outcome.current = current;
      if (task === 'detector' && current && (await isRescorable(current))) {
        // The agent runs the pretrained detector: fit its rescorer on every labelled screenshot, and
        // judge it by cross-validation against the current folder on the same screenshots.
        const scenes = await detectorScenes(opts.root, seed);
        const all = [...scenes.train, ...scenes.held];
        if (all.length < MIN_RESCORE_SCREENSHOTS) {
          outcome.reason = `only ${all.length} labelled screenshot(s): too few to fit and check a rescorer for the pretrained detector (${current}); kept it (label at least ${MIN_RESCORE_SCREENSHOTS})`;
          progress.line(`  ${task}: ${outcome.reason}`);
          continue;
        }
        progress.line(`  fitting the pretrained detector's rescorer on ${all.length} labelled screenshots (cross-validated, 5 folds; pulled towards the current one)`);
        // Pulled towards the current rescorer (the shipped one knows 22 real screenshots), so that a few of yours refine it.
        const m = await measureRescorer(current, all, { seed, folds: 5, prior: true, log: (l) => progress.line(l) });
        outcome.new = { anyAP50: m.crossValidatedAnyAP50, mAP50: null, crossValidated: true };
        outcome.old = { anyAP50: m.currentAnyAP50, mAP50: null };
        outcome.installed = m.crossValidatedAnyAP50 >= m.currentAnyAP50;
        outcome.reason = outcome.installed
          ? `a rescorer fitted on screenshots it had not seen finds characters at least as well as the current detector (${all.length} screenshots, ${m.folds} folds)`
          : `the current detector is better on your screenshots than a rescorer fitted on the others (${all.length} screenshots, ${m.folds} folds)`;
        if (outcome.installed) await writeRescoredFolder(current, candidate, m.rescorer, m.threshold, { source: `retrain of ${opts.root}`, crossValidatedAnyAP50: m.crossValidatedAnyAP50, folds: m.folds });
      } else if (task === 'detector') {
        const scenes = await detectorScenes(opts.root, seed);
        if (current && scenes.held.length < MIN_HELD_SCREENSHOTS) {
          // Decided before training: a detector that cannot be compared is never installed.
          outcome.reason = `only ${scenes.held.length} held-out screenshot(s) of ${scenes.train.length + scenes.held.length} labelled: too few to tell a new detector from the current one (${current}); kept it without training (label at least ${MIN_HELD_SCREENSHOTS * 2 * 5} screenshots)`;
          progress.line(`  ${task}: ${outcome.reason}`);
          continue;
        }
        const synthRoot = await synthRootOnce();
        if (synthRoot) scenes.train.push(...(await loadScenes([layout(synthRoot).processed])).scenes);
        // Frames collected while playing (agent --collect), labelled by the teacher: the models the agent runs.
        const frames = await listUnlabelled(opts.root);
        if (frames.length) {
          const teacher = await loadPredictor(opts.models);
          try {
            const t = await teacherScenes(teacher, frames);
            scenes.train.push(...t.scenes);
            progress.line(`  ${t.scenes.length} unlabelled frames labelled by the teacher (${t.scenes.reduce((n, s) => n + s.objects.length, 0)} objects) join the detector's training${t.skipped.length ? `; ${t.skipped.length} unreadable` : ''}`);
          } finally {
            await teacher.models.close();
          }
        }
        const res = await trainDetectorTask({ root: opts.root, out: candidate, seed, epochs: opts.epochs, maxSeconds: opts.detectorSeconds, log: (l) => progress.line(l) }, scenes);
        const fresh = scenes.held.length ? await detectorAp(candidate, scenes.held) : { mAP50: res.mAP50 ?? 0, anyAP50: 0 };
        outcome.new = fresh;
        let old: DetectorFigures | null = null;
        if (current && scenes.held.length) {
          try {
            old = await detectorAp(current, scenes.held);
            outcome.old = old;
          } catch (err) {
            outcome.oldError = (err as Error).message;
          }
        }
        outcome.installed = old === null || fresh.anyAP50 >= old.anyAP50;
        outcome.reason = old === null
          ? outcome.oldError ? `current model could not be evaluated (${outcome.oldError})` : 'no model installed'
          : outcome.installed ? 'new AP@0.5 (any character) at least as high as the current one' : 'the current model has a higher AP@0.5 (any character)';
      } else {
        const ctask = task as ClassifierTask;
        // Decided before training, as for the detector: a model that cannot be compared is never installed.
        const testCount = (await listTaskSplit(opts.root, 'test', ctask).catch(() => [])).length;
        if (current && testCount < (opts.minTestCrops ?? MIN_TEST_CROPS)) {
          outcome.reason = `only ${testCount} test crop(s) for ${task}: too few to tell a new model from the current one (${current}); kept it without training`;
          progress.line(`  ${task}: ${outcome.reason}`);
          continue;
        }
        const synthRoot = await synthRootOnce();
        const summary = await runTraining({
          root: opts.root,
          task: ctask,
          preset: 'fast',
          epochs: opts.epochs,
          seed,
          out: candidate,
          progress,
          plots: opts.plots,
          extraTrainRoots: synthRoot ? [synthRoot] : undefined,
          oversample: synthRoot ? 'balance' : undefined,
        });
        const fresh: Figures = { accuracy: summary.testAccuracy, loss: summary.testLoss };
        outcome.new = fresh;
        let old: Figures | null = null;
        if (current) {
          try {
            const ev = await evaluateModelFolder(current, opts.root, 'test', ctask);
            old = { accuracy: ev.accuracy, loss: ev.loss };
            outcome.old = old;
          } catch (err) {
            outcome.oldError = (err as Error).message;
          }
        }
        outcome.installed = atLeastAsGood(fresh, old);
        outcome.reason = old === null
          ? outcome.oldError ? `current model could not be evaluated (${outcome.oldError})` : 'no model installed'
          : outcome.installed ? 'new model at least as good on the test split as the current one' : 'the current model is better on the test split';
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

/** The frames `agent --collect` kept in <root>/raw/unlabelled/ that have no VOC file of their own. */
async function listUnlabelled(root: string): Promise<string[]> {
  const dir = layout(root).unlabelled;
  if (!existsSync(dir)) return [];
  const names = await readdir(dir);
  return names.filter((n) => /\.(jpe?g|png)$/i.test(n) && !names.includes(n.replace(/\.[^.]+$/, '.xml'))).sort().map((n) => path.join(dir, n));
}

/** Seed of retrain's synthetic scenes: fixed, so that the cache is reused across sessions. */
export const RETRAIN_SYNTHETIC_SEED = 4242;
export const RETRAIN_SYNTHETIC_DEFAULT = 300;

/**
 * <cache>/seed-<S>-<N>[-heads]/: N synthetic scenes extracted and split, made once (in a temporary
 * folder renamed into place when complete) and reused by later retrains.
 */
export async function syntheticRoot(cache: string, scenes: number, cogHeads: string | undefined, progress: Progress): Promise<string> {
  const dir = path.join(cache, `seed-${RETRAIN_SYNTHETIC_SEED}-${scenes}${cogHeads ? '-heads' : ''}`);
  await mkdir(cache, { recursive: true });
  if (existsSync(dir)) return dir;
  const tmp = `${dir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  progress.line(`making ${scenes} synthetic scenes to learn from beside the captures (once; kept in ${dir})`);
  try {
    await makeSyntheticRoot(tmp, { scenes, seed: RETRAIN_SYNTHETIC_SEED, ratio: [1, 0, 0], cogHeads, log: (l) => progress.line(l) });
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

export const RETRAIN_TASKS: readonly Task[] = [...CLASSIFIER_TASKS, 'detector'];
