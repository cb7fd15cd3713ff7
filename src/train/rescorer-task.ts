// Fitting the pretrained detector's rescorer on labelled screenshots (`toonvision rescore`, the
// detector step of `retrain` when the agent runs NanoDet, and `demo-models --real`). The network is
// untouched; the new folder is the old one with `detector.rescore` in its metadata.json, written
// beside the target and renamed into place, so the running agent hot-reloads a complete folder.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadDetector } from '../detect/detector.ts';
import type { DetectorScene } from '../detect/evaluate.ts';
import type { NanodetDetector } from '../detect/pretrained.ts';
import { copyPasteScenes } from '../detect/copy-paste.ts';
import { fitRescorer, type DerivedSample, type RescoreSample, type Rescorer } from '../detect/rescore.ts';
import { crossValidatedAp, samplesAp } from '../detect/rescore-eval.ts';
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
 * writeRescoredFolder().
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
    /** pull the new weights towards the folder's own rescorer (when it has one) rather than towards 0 */
    prior?: boolean;
  } = {},
): Promise<RescorerFigures> {
  const det = await loadDetector(detector);
  try {
    if (!('cells' in det)) throw new ModelFolderError(detector, 'is not a pretrained NanoDet detector: only those take a rescorer');
    const nano = det as NanodetDetector;
    const samples = await rescoreSamples(nano, scenes, opts.log);
    const per = opts.copyPaste ?? COPY_PASTE_DEFAULT;
    const derived: DerivedSample[] = [];
    if (per > 0 && scenes.length > 1) {
      const composites = await copyPasteScenes(scenes, { perScreenshot: per, seed: opts.seed });
      opts.log?.(`  ${composites.length} copy-paste composites (characters pasted onto other screenshots)`);
      const cells = await rescoreSamples(nano, composites.map((c) => c.scene), opts.log);
      composites.forEach((c, i) => derived.push({ ...cells[i]!, sources: c.sources }));
    }
    const decode = nano.info.decode;
    const fit = opts.prior && nano.info.rescore ? { prior: nano.info.rescore, l2: PRIOR_L2 } : {};
    const currentAnyAP50 = samplesAp(samples, nano.info, decode);
    const zeroShotAnyAP50 = nano.info.rescore ? samplesAp(samples, { characterClasses: nano.info.characterClasses }, decode) : currentAnyAP50;
    const cv = crossValidatedAp(samples, { ...fit, folds: opts.folds, seed: opts.seed, characterClasses: nano.info.characterClasses, decode, derived });
    const rescorer = fitRescorer([...samples, ...derived], fit);
    rescorer.fittedOn = { ...rescorer.fittedOn!, screenshots: samples.length, copyPaste: derived.length };
    const fittedAnyAP50 = samplesAp(samples, { characterClasses: nano.info.characterClasses, rescore: rescorer }, decode);
    return { currentAnyAP50, zeroShotAnyAP50, crossValidatedAnyAP50: cv.anyAP50, fittedAnyAP50, folds: cv.folds, screenshots: samples.length, rescorer, threshold: cv.threshold, precision: cv.precision, recall: cv.recall };
  } finally {
    det.dispose();
  }
}

type DetectorMetadataJson = { detector: Record<string, unknown>; createdAt?: string };

/**
 * Copies the detector folder `from` to `out` with its metadata.json changed by `edit`: staged beside
 * `out` and renamed into place (`out` may be `from`), so a watcher never sees half a folder.
 */
export async function copyDetectorFolder(from: string, out: string, edit: (meta: DetectorMetadataJson) => void): Promise<void> {
  const staged = stagingFolder(out);
  await rm(staged, { recursive: true, force: true });
  try {
    await cp(from, staged, { recursive: true });
    const metaFile = path.join(staged, 'metadata.json');
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as DetectorMetadataJson;
    edit(meta);
    await writeFile(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
    await installModelFolder(staged, out);
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
}

/** Writes `from` with `rescorer` in its metadata to `out`, and `threshold` as the score the agent draws boxes from. */
export function writeRescoredFolder(from: string, out: string, rescorer: Rescorer, threshold: number, note: Record<string, unknown> = {}): Promise<void> {
  return copyDetectorFolder(from, out, (meta) => {
    meta.detector.rescore = { ...rescorer, fittedOn: { ...rescorer.fittedOn!, ...note } };
    meta.detector.decode = { ...(meta.detector.decode as Record<string, unknown> | undefined), threshold };
    meta.createdAt = new Date().toISOString();
  });
}
