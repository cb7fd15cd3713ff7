// `toonvision retrain`: the player's one command after a play session. Extract the new screenshots
// (moving them to raw/processed), re-split, and for each task learn from the player's screenshots in
// addition to what the model the agent runs knows: the pretrained detector's rescorer on the union of
// its base's cells and the player's, the classifiers fine-tuned from the running model with synthetic
// scenes beside. Each is judged by cross-validation over the player's screenshots (grouped: boxes of
// one screenshot never on both sides) against the running model on the screenshots it has not seen,
// and installed into <models>/<task>/ only when it wins by more than the folds' spread. A new model is
// written beside (a dot folder in <models>) and swapped in by rename, so a running agent never sees a
// half-written model. Each task's outcome says in a player's words what was learnt and why.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
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
import { listTaskSplit, type Example } from './data.ts';
import { detectorAp, detectorScenes, trainDetectorTask } from './detector-task.ts';
import { isRescorable, measureRescorer, readRescorerBase, screenshotNames, writeRescoredFolder } from './rescorer-task.ts';
import { fineTuneClassifier, playerCropsFromScenes, seenByClassifier, type FineTuneJudgement, type PlayerCrop } from './finetune.ts';
import { allTaskCrops } from './experiment.ts';
import { labelledRoot } from './labelled-root.ts';
import { readMetadata } from '../model/folder.ts';
import type { DetectorScene } from '../detect/evaluate.ts';
import { listSplit } from '../dataset/layout.ts';
import { SPLITS } from '../dataset/layout.ts';
import { readImage } from '../image.ts';
import { TASK_CLASSES, classForTask } from '../taxonomy.ts';
import { candidateDirs } from '../predict/models.ts';
import type { Progress } from './progress.ts';
import { detectorEpochEvent, makeProgress } from './progress.ts';
import { runTraining } from './experiment.ts';

export interface Figures {
  accuracy: number;
  loss: number;
  /** true when measured by cross-validation over the player's screenshots (fine-tuned on the other folds) */
  crossValidated?: boolean;
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
/** A classifier is judged on at least this many of the player's boxes (held out in turn), from at least MIN_JUDGED_SCREENSHOTS screenshots (folds). */
export const MIN_JUDGED_BOXES = 6;
export const MIN_JUDGED_SCREENSHOTS = 3;

/** The model folder the agent runs for a task: the player's, else the shipped demo one; undefined when none. */
export function currentModelDir(models: string, task: Task): string | undefined {
  return candidateDirs(models, task).find((c) => existsSync(path.join(c.dir, 'metadata.json')))?.dir;
}

/** How a new model was judged against the current one: cross-validation over the player's screenshots. */
export interface Judgement {
  /** 'anyAP50' (detector: AP@0.5 of any character) or 'accuracy' (classifiers, on the held-out boxes) */
  figure: 'anyAP50' | 'accuracy';
  /** screenshots judged (the ones the current model has not seen) and, for classifiers, their boxes */
  screenshots: number;
  boxes?: number;
  /** screenshots the current model has seen: they train the new one but are never scored */
  known: number;
  perFold: { screenshots: number; boxes?: number; new: number; current: number }[];
  /** new - current, pooled over the folds */
  margin: number;
  /** standard error of the per-fold differences: the new model is installed only when margin > spread */
  spread: number;
  /** classifiers: per class, the held-out boxes and how many each model got right */
  perClass?: Record<string, { boxes: number; newCorrect: number; currentCorrect: number }>;
}

export interface TaskOutcome {
  task: Task;
  /** What the models learnt from the player's screenshots and what not, and why, in a player's words. */
  message?: string;
  /** How the decision was made (figures of each fold, the margin and the spread). */
  judgement?: Judgement;
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
  extract: Pick<ExtractResult, 'screenshots' | 'crops' | 'byLabel' | 'errors'> & { moved?: number; tagged?: { frames: number; crops: number } };
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
  /**
   * More data roots (extracted and split, like the synthetic one) whose crops the classifiers learn
   * from beside the player's: the hook for scenes rendered from the game's own models (`toonvision
   * render`), training data only.
   */
  extraRoots?: string[];
  /**
   * Folders of scenes rendered from the game's own models (`toonvision render --assets` on the player's
   * installation): their crops join the synthetic ones as the classifiers' training data (extracted
   * into a temporary root when a classifier trains, removed afterwards).
   */
  renders?: string[];
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
  progress.event({ phase: 'extract', message: `extracting new screenshots in ${opts.root}` });
  if (!existsSync(opts.root)) throw new Error(`${opts.root}: no such data root`);
  const ex: ExtractResult & { tagged?: { frames: number; crops: number } } = existsSync(layout(opts.root).screenshots)
    ? await extractScreenshots(opts.root, { move: true })
    : { screenshots: 0, crops: 0, byLabel: {}, errors: [], difficult: 0, moved: 0 };
  progress.line(`  ${ex.screenshots} screenshots, ${ex.crops} crops${ex.errors.length ? `, ${ex.errors.length} failed (first: ${ex.errors[0]!.file}: ${ex.errors[0]!.reason})` : ''}`);
  // Collected frames whose Cogs' nametags gave their labels (agent --collect): those Cogs' crops.
  const taggedDir = layout(opts.root).tagged;
  if (existsSync(taggedDir)) {
    const tg = await extractScreenshots(opts.root, { raw: taggedDir, move: true, moveTo: path.join(taggedDir, 'done') });
    if (tg.screenshots > 0 || tg.errors.length > 0) {
      progress.line(`  ${tg.screenshots} collected frames labelled by the Cogs' nametags, ${tg.crops} crops${tg.errors.length ? `, ${tg.errors.length} failed (first: ${tg.errors[0]!.file}: ${tg.errors[0]!.reason})` : ''}`);
    }
    ex.crops += tg.crops;
    for (const [k, v] of Object.entries(tg.byLabel)) ex.byLabel[k] = (ex.byLabel[k] ?? 0) + v;
    ex.errors.push(...tg.errors);
    ex.tagged = { frames: tg.screenshots, crops: tg.crops };
  }
  const sp = await splitDataset(opts.root, { seed });
  progress.event({ phase: 'split', message: `  split: ${sp.train} train, ${sp.validate} validate, ${sp.test} test crops (seed ${sp.seed})` });
  await mkdir(opts.models, { recursive: true });
  // Made (or found in the cache) only when a task trains a network: fitting a rescorer needs none.
  let synthetic: Promise<string | undefined> | undefined;
  const synthRootOnce = (): Promise<string | undefined> =>
    (synthetic ??= (opts.synthetic ?? 0) > 0 ? syntheticRoot(opts.syntheticCache ?? path.join(opts.root, 'synthetic'), opts.synthetic!, opts.cogHeads, progress) : Promise.resolve(undefined));
  let rendered: Promise<string | undefined> | undefined;
  const rendersTmp = path.join(opts.root, `.renders-${process.pid}`);
  const rendersRootOnce = (): Promise<string | undefined> =>
    (rendered ??= opts.renders?.length
      ? rm(rendersTmp, { recursive: true, force: true }).then(() => labelledRoot(rendersTmp, opts.renders!, { what: 'rendered', strict: false, progress })).then((r) => r.root)
      : Promise.resolve(undefined));
  const extraRootsOf = async (): Promise<string[]> => {
    const r = await rendersRootOnce();
    return [...(r ? [r] : []), ...(opts.extraRoots ?? [])];
  };
  const outcomes: TaskOutcome[] = [];
  try {
    for (const task of opts.tasks) {
      const t0 = Date.now();
      const target = path.join(opts.models, task);
      const candidate = path.join(opts.models, `.${task}.candidate-${process.pid}`);
      const outcome: TaskOutcome = { task, installed: false, reason: '', model: target, new: null, old: null, seconds: 0 };
      outcomes.push(outcome);
      progress.event({ phase: 'train', task, message: `retraining ${task}` });
      try {
        const current = currentModelDir(opts.models, task);
        outcome.current = current;
        if (task === 'detector' && current && (await isRescorable(current))) {
          // The agent runs the pretrained detector: fit its rescorer on the union of its base's cells and
          // every labelled screenshot, judged by cross-validation against the current folder on the
          // screenshots it has not seen.
          const scenes = await detectorScenes(opts.root, seed);
          const all = [...scenes.train, ...scenes.held];
          const seen = await seenByDetector(current);
          const fresh = all.filter((s) => !seen.has(path.basename(s.file ?? '')));
          const known = all.filter((s) => seen.has(path.basename(s.file ?? '')));
          const characters = fresh.reduce((n, s) => n + s.objects.filter((o) => !o.difficult).length, 0);
          if (fresh.length < MIN_RESCORE_SCREENSHOTS) {
            outcome.reason = known.length
              ? `only ${fresh.length} labelled screenshot(s) the current detector (${current}) has not learnt from (of ${all.length}): too few to judge a new rescorer; kept it (label at least ${MIN_RESCORE_SCREENSHOTS} new ones)`
              : `only ${all.length} labelled screenshot(s): too few to fit and check a rescorer for the pretrained detector (${current}); kept it (label at least ${MIN_RESCORE_SCREENSHOTS})`;
            outcome.message = known.length
              ? `only ${fresh.length} new screenshot(s) since the detector last learnt: too few to judge it (${MIN_RESCORE_SCREENSHOTS} needed): kept the current detector`
              : `only ${all.length} labelled screenshot(s): too few to judge the detector (${MIN_RESCORE_SCREENSHOTS} needed): kept the current one`;
            progress.line(`  ${task}: ${outcome.reason}`);
            continue;
          }
          progress.line(`  fitting the pretrained detector's rescorer on ${all.length} labelled screenshots together with what it learnt before (cross-validated over the ${fresh.length} it has not seen, 5 folds)`);
          const m = await measureRescorer(current, fresh, { seed, folds: 5, prior: true, known, log: (l) => progress.line(l) });
          outcome.new = { anyAP50: m.crossValidatedAnyAP50, mAP50: null, crossValidated: true };
          outcome.old = { anyAP50: m.currentAnyAP50, mAP50: null };
          const margin = m.crossValidatedAnyAP50 - m.currentAnyAP50;
          outcome.judgement = { figure: 'anyAP50', screenshots: fresh.length, known: known.length, perFold: m.perFold, margin, spread: m.spread };
          outcome.installed = margin > m.spread;
          const how = m.fit === 'union' ? `with the ${m.base!.screenshots} screenshots it learnt from before` : m.fit === 'prior' ? 'pulled towards the current rescorer' : 'afresh';
          const figures = `AP@0.5 ${m.crossValidatedAnyAP50.toFixed(3)} against ${m.currentAnyAP50.toFixed(3)} on ${fresh.length} screenshots it had not seen (margin ${signed(margin)}, folds' spread ${m.spread.toFixed(3)})`;
          outcome.reason = outcome.installed
            ? `a rescorer fitted on your screenshots ${how} finds characters better than the current detector by more than the folds' spread: ${figures}`
            : `a rescorer fitted on your screenshots ${how} does not beat the current detector by more than the folds' spread: ${figures}`;
          const found = `finds ${pct1(m.crossValidatedAnyAP50)} of the characters (AP) on screenshots it had not seen, the current detector ${pct1(m.currentAnyAP50)}`;
          outcome.message = outcome.installed
            ? `learnt from your ${fresh.length} screenshots (${characters} characters): ${found}: installed`
            : `learnt from your ${fresh.length} screenshots (${characters} characters), but it ${found}: ${margin > 0 ? 'too close to tell apart' : 'no better'}: kept the current detector`;
          if (outcome.installed) {
            await writeRescoredFolder(current, candidate, m.rescorer, m.threshold, { source: `retrain of ${opts.root}`, crossValidatedAnyAP50: m.crossValidatedAnyAP50, folds: m.folds, seen: screenshotNames(all) });
          }
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
          const res = await trainDetectorTask({ root: opts.root, out: candidate, seed, epochs: opts.epochs, maxSeconds: opts.detectorSeconds, log: (l) => progress.line(l), onEpoch: (e) => progress.event(detectorEpochEvent(e, task)) }, scenes);
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
        } else if (current) {
          // Fine-tuned from the model the agent runs, judged by cross-validation over your screenshots.
          const ctask = task as ClassifierTask;
          const crops = await playerCrops(opts.root, ctask);
          const seen = seenByClassifier(await readMetadata(current, ctask));
          const judged = crops.filter((c) => !seen.has(c.group));
          const groups = new Set(judged.map((c) => c.group)).size;
          const what = TASK_WORDS[ctask];
          const minBoxes = opts.minTestCrops ?? MIN_JUDGED_BOXES;
          if (judged.length < minBoxes || groups < MIN_JUDGED_SCREENSHOTS) {
            outcome.reason = `only ${judged.length} box(es) for ${task} in ${groups} screenshot(s) the current model (${current}) has not learnt from: too few to tell a new model from it (at least ${minBoxes} in ${MIN_JUDGED_SCREENSHOTS} screenshots); kept it without training`;
            outcome.message = groups < MIN_JUDGED_SCREENSHOTS && judged.length >= minBoxes
              ? `${what.boxes} in too few screenshots (${groups}${seen.size ? ' new' : ''}) to judge the ${what.model} model: kept the current one`
              : `too few ${what.boxes} (${judged.length}${seen.size ? ' new' : ''}) to judge the ${what.model} model: kept the current one`;
            progress.line(`  ${task}: ${outcome.reason}`);
            continue;
          }
          const synthRoot = await synthRootOnce();
          const extra: Example[] = [];
          for (const r of [...(synthRoot ? [synthRoot] : []), ...(await extraRootsOf())]) extra.push(...(await allTaskCrops(r, ctask)));
          const ft = await fineTuneClassifier({
            current, task: ctask, crops, seen, extra, seed, folds: 5, epochs: opts.epochs, out: candidate, log: (l) => progress.line(l), onEpoch: (r, epochs) => progress.onEpoch?.(r, epochs),
            decide: (j) => j.margin > j.spread,
            notes: { source: `retrain of ${opts.root}` },
          });
          const j = ft.judgement;
          outcome.new = { accuracy: j.newAccuracy, loss: j.newLoss, crossValidated: true };
          outcome.old = { accuracy: j.currentAccuracy, loss: j.currentLoss };
          outcome.judgement = {
            figure: 'accuracy', screenshots: j.screenshots, boxes: j.boxes, known: crops.length - judged.length,
            perFold: j.folds.map((f) => ({ screenshots: f.screenshots, boxes: f.boxes, new: f.boxes ? f.newCorrect / f.boxes : 0, current: f.boxes ? f.currentCorrect / f.boxes : 0 })),
            margin: j.margin, spread: j.spread, perClass: j.perClass,
          };
          outcome.installed = ft.written;
          const right = (c: number) => `${c} of ${j.boxes}`;
          const newRight = Math.round(j.newAccuracy * j.boxes);
          const curRight = Math.round(j.currentAccuracy * j.boxes);
          outcome.reason = `fine-tuned from ${current} on your ${crops.length} crops and ${Math.min(extra.length, 1500)} synthetic ones: ${pct1(j.newAccuracy)} on ${j.boxes} held-out boxes of ${j.screenshots} screenshots against ${pct1(j.currentAccuracy)} (margin ${signed(j.margin)}, folds' spread ${j.spread.toFixed(3)}): ${ft.written ? 'wins by more than the spread' : 'not by more than the spread'}`;
          outcome.message = `learnt from your ${judged.length} ${what.crop} crops: ${what.figure} right on ${right(newRight)} held-out ${what.boxes}, was ${right(curRight)}: ${ft.written ? 'installed' : newRight > curRight ? 'too close to tell apart: kept the current one' : 'kept the current one'}`;
        } else {
          // No model at all for the task (no shipped one either): train one from scratch on the split.
          const ctask = task as ClassifierTask;
          const synthRoot = await synthRootOnce();
          const extraTrainRoots = [...(synthRoot ? [synthRoot] : []), ...(await extraRootsOf())];
          const summary = await runTraining({
            root: opts.root,
            task: ctask,
            preset: 'fast',
            epochs: opts.epochs,
            seed,
            out: candidate,
            progress,
            plots: opts.plots,
            extraTrainRoots: extraTrainRoots.length ? extraTrainRoots : undefined,
            oversample: extraTrainRoots.length ? 'balance' : undefined,
          });
          outcome.new = { accuracy: summary.testAccuracy, loss: summary.testLoss };
          outcome.installed = true;
          outcome.reason = 'no model installed';
        }
        if (outcome.installed) await installModelFolder(candidate, target);
        outcome.message ??= outcome.installed ? `trained a new ${task} model: ${outcome.reason}: installed` : `kept the current ${task} model: ${outcome.reason}`;
        progress.event({ phase: 'outcome', task, installed: outcome.installed, message: `  ${task}: new ${fmt(outcome.new)}, installed ${fmt(outcome.old)} -> ${outcome.installed ? `installed ${target}` : 'kept the installed model'} (${outcome.reason})` });
      } catch (err) {
        outcome.installed = false;
        outcome.error = (err as Error).message.split('\n')[0];
        outcome.reason = `training failed: ${outcome.error}`;
        outcome.message = `could not learn the ${task} model (${outcome.error}): kept the current one`;
        progress.line(`  ${task}: ${outcome.reason}`);
      } finally {
        await rm(candidate, { recursive: true, force: true });
        outcome.seconds = (Date.now() - t0) / 1000;
      }
    }
  } finally {
    await rm(rendersTmp, { recursive: true, force: true });
  }
  progress.event({ phase: 'done', message: `retrain done in ${((Date.now() - started) / 1000).toFixed(0)} s` });
  return {
    root: opts.root,
    models: opts.models,
    extract: { screenshots: ex.screenshots, crops: ex.crops, byLabel: ex.byLabel, errors: ex.errors, moved: ex.moved, ...(ex.tagged ? { tagged: ex.tagged } : {}) },
    split: { train: sp.train, validate: sp.validate, test: sp.test, seed: sp.seed },
    tasks: outcomes,
    seconds: (Date.now() - started) / 1000,
  };
}

const TASK_WORDS: Record<ClassifierTask, { crop: string; boxes: string; model: string; figure: string }> = {
  binary: { crop: 'Cog and Toon', boxes: 'characters', model: 'Cog-or-Toon', figure: 'Cog or Toon' },
  suit: { crop: 'Cog', boxes: 'Cogs', model: 'suit', figure: 'suit' },
  name: { crop: 'named Cog', boxes: 'named Cogs', model: 'Cog name', figure: 'name' },
  animal: { crop: 'Toon', boxes: 'Toons', model: 'animal', figure: 'animal' },
};

const signed = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;
const pct1 = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** The screenshots (file names) a NanoDet folder's rescorer has learnt from: its own fit's and its base's. */
async function seenByDetector(dir: string): Promise<Set<string>> {
  const meta = JSON.parse(await readFile(path.join(dir, 'metadata.json'), 'utf8')) as { detector?: { rescore?: { fittedOn?: { seen?: unknown } } } };
  const base = await readRescorerBase(dir);
  const own = meta.detector?.rescore?.fittedOn?.seen;
  return new Set([...(Array.isArray(own) ? own : []), ...(base?.seen ?? [])].filter((s): s is string => typeof s === 'string'));
}

/**
 * The player's boxes for a task: cropped from the labelled screenshots of the root (raw/screenshots
 * and raw/processed), grouped by screenshot; a root without labelled screenshots (crops only) gives
 * the crops of its data/ folders, each its own group.
 */
export async function playerCrops(root: string, task: ClassifierTask): Promise<PlayerCrop[]> {
  const l = layout(root);
  // With the collected frames labelled by their Cogs' nametags (only those Cogs: for the classifiers, never the detector).
  const dirs = [l.screenshots, l.processed, l.tagged, path.join(l.tagged, 'done')].filter((d) => existsSync(d));
  const scenes: DetectorScene[] = dirs.length ? (await loadScenes(dirs)).scenes : [];
  if (scenes.length) return playerCropsFromScenes(scenes, task);
  const out: PlayerCrop[] = [];
  for (const split of SPLITS) {
    for (const c of await listSplit(root, split)) {
      const cls = classForTask(task, c.parsed);
      if (cls === undefined) continue;
      out.push({ group: path.basename(c.file), cls, y: TASK_CLASSES[task].indexOf(cls), image: await readImage(c.file) });
    }
  }
  return out;
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
  progress.event({ phase: 'synthetic', message: `making ${scenes} synthetic scenes to learn from beside the captures (once; kept in ${dir})` });
  try {
    await makeSyntheticRoot(tmp, { scenes, seed: RETRAIN_SYNTHETIC_SEED, ratio: [1, 0, 0], cogHeads, log: (l) => progress.line(l) });
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

export const RETRAIN_TASKS: readonly Task[] = [...CLASSIFIER_TASKS, 'detector'];
