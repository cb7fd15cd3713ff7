// Fitting the pretrained detector's rescorer on labelled screenshots (`toonvision rescore`, the
// detector step of `retrain` when the agent runs NanoDet, and `demo-models --real`). The network is
// untouched; the new folder is the old one with `detector.rescore` in its metadata.json, written
// beside the target and renamed into place, so the running agent hot-reloads a complete folder.
import { existsSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadDetector } from '../detect/detector.ts';
import type { DetectorScene } from '../detect/evaluate.ts';
import type { NanodetDetector } from '../detect/pretrained.ts';
import { copyPasteScenes } from '../detect/copy-paste.ts';
import { fitRescorer, rescorerBaseProblem, summariseRescorerFit, type DerivedSample, type RescoreSample, type Rescorer, type RescorerBase } from '../detect/rescore.ts';
import { crossValidatedAp, foldSpread, samplesAp } from '../detect/rescore-eval.ts';
import { cellsToDetections } from '../detect/pretrained.ts';
import { computeAp } from '../detect/evaluate.ts';
import { installModelFolder, ModelFolderError, stagingFolder } from '../model/folder.ts';

/** Copy-paste composites per labelled screenshot when fitting a rescorer: +0.01-0.02 cross-validated AP on the real-eval screenshots. */
export const COPY_PASTE_DEFAULT = 5;
/**
 * The pull towards a prior rescorer (retrain: the one the agent runs). Measured with a prior fitted on
 * 10 real-eval screenshots + fixtures/real and a "player" holding the other 10 (three splits, 5-fold
 * cross-validated any-character AP): fresh fit 0.782/0.541/0.692, prior with 0.05 0.775/0.655/0.717,
 * the prior alone 0.722/0.662/0.653.
 */
export const PRIOR_L2 = 0.05;

/** The file, in a NanoDet folder, that summarises the cells its rescorer was first fitted on (RescorerBase). */
export const RESCORE_BASE_FILE = 'rescore-base.json';
/**
 * How much one of the player's cells weighs against one of the base's when retrain fits on the union
 * (see README, "Retraining": measured with a base of 10 real-eval screenshots + fixtures and a player
 * holding the other 10).
 */
export const PLAYER_WEIGHT = 2;

/** The base summary of a NanoDet folder, or undefined when it has none; throws naming the file when it is broken. */
export async function readRescorerBase(dir: string): Promise<RescorerBase | undefined> {
  const file = path.join(dir, RESCORE_BASE_FILE);
  if (!existsSync(file)) return undefined;
  let b: unknown;
  try {
    b = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ModelFolderError(dir, `${RESCORE_BASE_FILE} is not JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const problem = rescorerBaseProblem(b);
  if (problem) throw new ModelFolderError(dir, `${RESCORE_BASE_FILE} ${problem}`);
  return b as RescorerBase;
}

export interface RescorerFigures {
  /** Class-agnostic AP@0.5 of the folder as it is, on the screenshots. */
  currentAnyAP50: number;
  /** The same for the network alone (its character classes, no rescorer): zero-shot. */
  zeroShotAnyAP50: number;
  /** The same with a rescorer fitted on the other folds (cross-validated: screenshots it has not seen). */
  crossValidatedAnyAP50: number;
  /** The fitted rescorer on the screenshots it was fitted on (an upper bound, for reference). */
  fittedAnyAP50: number;
  folds: number;
  screenshots: number;
  rescorer: Rescorer;
  /** The score threshold with the best F1 on the cross-validated detections, and its precision and recall. */
  threshold: number;
  precision: number;
  recall: number;
  /** Screenshots judged (cross-validated and compared); the others only trained. */
  judged: number;
  /** Per fold: the new rescorer's and the current folder's AP@0.5 (any character) on its held-out screenshots. */
  perFold: { screenshots: number; new: number; current: number }[];
  /** The standard error of the per-fold differences (foldSpread). */
  spread: number;
  /** How the new rescorer was fitted: on the union with the folder's base, pulled towards its rescorer, or afresh. */
  fit: 'union' | 'prior' | 'fresh';
  /** The base's size when fitted on the union. */
  base?: { screenshots: number; playerWeight: number };
  /** A fresh fit's own summary (what a folder written from it keeps as its base); none for a union or pulled fit. */
  summary?: RescorerBase;
}

/** True when a detector folder holds a pretrained NanoDet (what a rescorer applies to). */
export async function isRescorable(dir: string): Promise<boolean> {
  try {
    const meta = JSON.parse(await readFile(path.join(dir, 'metadata.json'), 'utf8')) as { detector?: { kind?: string } };
    return meta.detector?.kind === 'nanodet';
  } catch {
    return false;
  }
}

/** The candidate cells of every screenshot through a NanoDet folder. */
export async function rescoreSamples(det: NanodetDetector, scenes: readonly DetectorScene[], log?: (line: string) => void): Promise<RescoreSample[]> {
  const samples: RescoreSample[] = [];
  for (const [i, s] of scenes.entries()) {
    samples.push({ cells: await det.cells(s.image), objects: s.objects });
    if (log && (i + 1) % 10 === 0) log(`  ${i + 1}/${scenes.length} screenshots through the detector`);
  }
  return samples;
}

/**
 * Measures and fits a rescorer for the NanoDet folder `detector` on `scenes`. Writes nothing; see
 * writeRescoredFolder(). With `known`, those screenshots (ones the current rescorer was fitted on)
 * always join the training and are never scored: the comparison is on `scenes` alone.
 */
export async function measureRescorer(
  detector: string,
  scenes: readonly DetectorScene[],
  opts: {
    folds?: number;
    seed?: number;
    log?: (line: string) => void;
    /** copy-paste composites per screenshot (default 5; 0: none) */
    copyPaste?: number;
    /**
     * learn in addition to the folder's rescorer: fit on the union of its base (rescore-base.json) and
     * these screenshots; without a base file, pull the new weights towards its rescorer instead
     */
    prior?: boolean;
    /** with a base: how much a cell of these screenshots weighs against one of the base (default PLAYER_WEIGHT) */
    playerWeight?: number;
    /** screenshots that train but are not judged */
    known?: readonly DetectorScene[];
  } = {},
): Promise<RescorerFigures> {
  const det = await loadDetector(detector);
  try {
    if (!('cells' in det)) throw new ModelFolderError(detector, 'is not a pretrained NanoDet detector: only those take a rescorer');
    const nano = det as NanodetDetector;
    const all = [...scenes, ...(opts.known ?? [])];
    const samples = await rescoreSamples(nano, all, opts.log);
    const per = opts.copyPaste ?? COPY_PASTE_DEFAULT;
    const derived: DerivedSample[] = [];
    if (per > 0 && all.length > 1) {
      const composites = await copyPasteScenes(all, { perScreenshot: per, seed: opts.seed });
      opts.log?.(`  ${composites.length} copy-paste composites (characters pasted onto other screenshots)`);
      const cells = await rescoreSamples(nano, composites.map((c) => c.scene), opts.log);
      composites.forEach((c, i) => derived.push({ ...cells[i]!, sources: c.sources }));
    }
    const decode = nano.info.decode;
    const base = opts.prior ? await readRescorerBase(detector) : undefined;
    const playerWeight = opts.playerWeight ?? PLAYER_WEIGHT;
    const fit = base ? { base, playerWeight } : opts.prior && nano.info.rescore ? { prior: nano.info.rescore, l2: PRIOR_L2 } : {};
    const judged = samples.slice(0, scenes.length);
    const currentAnyAP50 = samplesAp(judged, nano.info, decode);
    const zeroShotAnyAP50 = nano.info.rescore ? samplesAp(judged, { characterClasses: nano.info.characterClasses }, decode) : currentAnyAP50;
    const cv = crossValidatedAp(samples, { ...fit, folds: opts.folds, seed: opts.seed, characterClasses: nano.info.characterClasses, decode, derived, judged: scenes.length });
    const currentOf = (test: number[]) => {
      const preds = test.map((i) => cellsToDetections(samples[i]!.cells, nano.info, { ...decode, threshold: 0.01, topK: 100 }));
      return computeAp(preds, test.map((i) => samples[i]!.objects)).any.ap ?? 0;
    };
    const perFold = cv.perFold.map((f) => ({ screenshots: f.test.length, new: f.anyAP50, current: currentOf(f.test) }));
    const rescorer = fitRescorer([...samples, ...derived], fit);
    rescorer.fittedOn = { ...rescorer.fittedOn!, screenshots: samples.length, copyPaste: derived.length };
    const fittedAnyAP50 = samplesAp(judged, { characterClasses: nano.info.characterClasses, rescore: rescorer }, decode);
    return {
      currentAnyAP50, zeroShotAnyAP50, crossValidatedAnyAP50: cv.anyAP50, fittedAnyAP50, folds: cv.folds, screenshots: samples.length, rescorer,
      threshold: cv.threshold, precision: cv.precision, recall: cv.recall,
      judged: scenes.length, perFold, spread: foldSpread(perFold.map((f) => f.new - f.current)),
      fit: base ? 'union' : 'prior' in fit ? 'prior' : 'fresh',
      ...(base ? { base: { screenshots: base.screenshots, playerWeight } } : {}),
      ...('prior' in fit || base ? {} : { summary: summariseRescorerFit([...samples, ...derived], rescorer, { screenshots: samples.length, seen: screenshotNames(all) }) }),
    };
  } finally {
    det.dispose();
  }
}

/**
 * The summary (RescorerBase) of what `rescorer` was fitted on: the cells of `scenes` and their
 * copy-paste composites (made as measureRescorer makes them, with `seed`) through `detector`.
 */
export async function summariseRescorer(detector: string, scenes: readonly DetectorScene[], rescorer: Rescorer, opts: { seed?: number; copyPaste?: number; source?: string; log?: (line: string) => void } = {}): Promise<RescorerBase> {
  const det = await loadDetector(detector);
  try {
    if (!('cells' in det)) throw new ModelFolderError(detector, 'is not a pretrained NanoDet detector: only those take a rescorer');
    const nano = det as NanodetDetector;
    const samples = await rescoreSamples(nano, scenes, opts.log);
    const per = opts.copyPaste ?? COPY_PASTE_DEFAULT;
    if (per > 0 && scenes.length > 1) {
      const composites = await copyPasteScenes(scenes, { perScreenshot: per, seed: opts.seed });
      samples.push(...(await rescoreSamples(nano, composites.map((c) => c.scene), opts.log)));
    }
    return summariseRescorerFit(samples, rescorer, { screenshots: scenes.length, seen: screenshotNames(scenes), source: opts.source });
  } finally {
    det.dispose();
  }
}

/** The file names that identify screenshots in a model's `seen` list. */
export function screenshotNames(scenes: readonly DetectorScene[]): string[] {
  return scenes.map((s) => path.basename(s.file ?? '')).filter(Boolean);
}

type DetectorMetadataJson = { detector: Record<string, unknown>; createdAt?: string };

/**
 * Copies the detector folder `from` to `out` with its metadata.json changed by `edit`: staged beside
 * `out` and renamed into place (`out` may be `from`), so a watcher never sees half a folder.
 */
export async function copyDetectorFolder(from: string, out: string, edit: (meta: DetectorMetadataJson) => void, files?: Record<string, string | null>): Promise<void> {
  const staged = stagingFolder(out);
  await rm(staged, { recursive: true, force: true });
  try {
    await cp(from, staged, { recursive: true });
    // Extra files written (or, for null, removed) in the staged copy.
    for (const [name, text] of Object.entries(files ?? {})) {
      if (text === null) await rm(path.join(staged, name), { force: true });
      else await writeFile(path.join(staged, name), text);
    }
    const metaFile = path.join(staged, 'metadata.json');
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as DetectorMetadataJson;
    edit(meta);
    await writeFile(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
    await installModelFolder(staged, out);
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
}

/**
 * Writes `from` with `rescorer` in its metadata to `out`, and `threshold` as the score the agent draws
 * boxes from. With `base`, the folder's rescore-base.json becomes it (a fit of its own: the shipped
 * one, `toonvision rescore`); without, the base of `from` (if any) is kept, as retrain does.
 */
export function writeRescoredFolder(from: string, out: string, rescorer: Rescorer, threshold: number, note: Record<string, unknown> = {}, base?: RescorerBase): Promise<void> {
  return copyDetectorFolder(from, out, (meta) => {
    meta.detector.rescore = { ...rescorer, fittedOn: { ...rescorer.fittedOn!, ...note } };
    meta.detector.decode = { ...(meta.detector.decode as Record<string, unknown> | undefined), threshold };
    meta.createdAt = new Date().toISOString();
  }, base ? { [RESCORE_BASE_FILE]: `${JSON.stringify(base)}\n` } : undefined);
}
