// `train --task detector` and the detector step of `retrain`: delegate to src/detect's trainDetector,
// holding out a seeded tenth of the labelled screenshots so that a new and an installed detector are
// compared on the same frames.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { installModelFolder, stagingFolder } from '../model/folder.ts';
import seedrandom from 'seedrandom';
import { shuffleInPlace } from '../shuffle.ts';
import { layout } from '../dataset/layout.ts';
import { evaluateDetector, loadDetector, loadScenes } from '../detect/index.ts';
import type { DetectorScene } from '../detect/index.ts';
import { trainDetector, type DetectorEpoch, type TrainDetectorResult } from './detector.ts';
import { DataError } from './data.ts';

export interface DetectorTaskOptions {
  root: string;
  out: string;
  epochs?: number;
  seed?: number;
  maxSeconds?: number;
  log?: (line: string) => void;
  onEpoch?: (e: DetectorEpoch) => void;
}

export interface DetectorSceneSplit {
  train: DetectorScene[];
  held: DetectorScene[];
  /** the folders read */
  sources: string[];
  /** files that could not be read */
  skipped: { file: string; reason: string }[];
}

/** The labelled screenshots of a root (raw/screenshots and raw/processed), split into train and held-out frames. */
export async function detectorScenes(root: string, seed: number): Promise<DetectorSceneSplit> {
  const l = layout(root);
  const dirs = [l.screenshots, l.processed].filter((d) => existsSync(d));
  if (dirs.length === 0) throw new DataError(`${root}: no raw/screenshots or raw/processed folder with labelled screenshots for the detector`);
  const rep = await loadScenes(dirs);
  if (rep.scenes.length === 0) throw new DataError(`${root}: no labelled screenshots in ${dirs.join(', ')} for the detector`);
  const rand = seedrandom(`toonvision-detector-held:${seed}`);
  const order = shuffleInPlace(rep.scenes.map((_, i) => i), rand);
  const nHeld = rep.scenes.length >= 10 ? Math.max(2, Math.round(rep.scenes.length * 0.1)) : 0;
  const heldSet = new Set(order.slice(0, nHeld));
  return {
    train: rep.scenes.filter((_, i) => !heldSet.has(i)),
    held: rep.scenes.filter((_, i) => heldSet.has(i)),
    sources: dirs,
    skipped: rep.errors,
  };
}

export async function trainDetectorTask(opts: DetectorTaskOptions, scenes?: DetectorSceneSplit): Promise<TrainDetectorResult> {
  const s = scenes ?? (await detectorScenes(opts.root, opts.seed ?? 1));
  // Written beside `out` and renamed into place when complete, as runTraining does for classifiers.
  const staged = stagingFolder(opts.out);
  try {
    const res = await trainDetector({
      scenes: s.train,
      evalScenes: s.held,
      sources: s.sources,
      skipped: s.skipped,
      out: staged,
      epochs: opts.epochs,
      seed: opts.seed,
      maxSeconds: opts.maxSeconds,
      log: opts.log,
      onEpoch: opts.onEpoch,
      json: opts.log === undefined,
    });
    await installModelFolder(staged, opts.out);
    return { ...res, out: opts.out };
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
}

/**
 * Class-agnostic AP@0.5 (any character found) of a detector folder on held-out frames: what to
 * compare detectors on, since the binary classifier decides Cog or Toon after any detector (and a
 * pretrained detector does not tell them apart at all). Also its own Cog/Toon mAP@0.5.
 */
export async function detectorAp(dir: string, held: readonly DetectorScene[]): Promise<{ anyAP50: number; mAP50: number }> {
  const det = await loadDetector(dir);
  try {
    const ev = await evaluateDetector(det, held);
    return { anyAP50: ev.any.ap ?? 0, mAP50: ev.mAP50 };
  } finally {
    det.dispose();
  }
}
