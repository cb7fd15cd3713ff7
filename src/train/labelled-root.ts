// Folders of labelled scenes (image + VOC .xml: real screenshots, or scenes rendered from the game's own
// models by `toonvision render`) extracted into a data root of their own, every crop in its train
// split: the extra training data that demo-models and retrain learn from beside their synthetic scenes.
import path from 'node:path';
import { extractScreenshots } from '../dataset/extract.ts';
import { splitDataset } from '../dataset/split.ts';
import { RunError } from '../errors.ts';
import type { Progress } from './progress.ts';

export interface LabelledRoot {
  root: string;
  /** the folders as the result files name them: their last two path parts */
  dirs: string[];
  screenshots: number;
  crops: number;
  /** files left out (an interrupted render's image without its .xml, a bad file), with why */
  skipped: { file: string; reason: string }[];
}

/** The short name a result file gives a folder (never a machine's full path). */
export function shortName(dir: string): string {
  const abs = path.resolve(dir);
  return `${path.basename(path.dirname(abs))}/${path.basename(abs)}`;
}

/**
 * Extracts the labelled scenes of `dirs` (copied, never moved) into `root`, all in the train split.
 * strict: the first bad file fails the run (the few real screenshots must all count); otherwise bad
 * files are skipped and reported (a render folder still being written holds an unfinished scene).
 */
export async function labelledRoot(root: string, dirs: string[], opts: { what: string; strict: boolean; progress: Progress }): Promise<LabelledRoot> {
  let screenshots = 0;
  let crops = 0;
  const skipped: LabelledRoot['skipped'] = [];
  for (const dir of dirs) {
    const ex = await extractScreenshots(root, { raw: dir });
    if (ex.errors.length && opts.strict) throw new RunError(`${ex.errors[0]!.file}: ${ex.errors[0]!.reason}`, 'dataset');
    skipped.push(...ex.errors);
    screenshots += ex.screenshots;
    crops += ex.crops;
  }
  if (crops === 0) throw new RunError(`${dirs.join(', ')}: no labelled ${opts.what} with crops to learn from`, 'dataset');
  await splitDataset(root, { ratio: [1, 0, 0], seed: 1 });
  opts.progress.line(`  ${crops} ${opts.what} crops from ${screenshots} scenes of ${dirs.join(', ')} join the training sets${skipped.length ? ` (${skipped.length} files left out, first: ${skipped[0]!.file}: ${skipped[0]!.reason})` : ''}`);
  return { root, dirs: dirs.map(shortName), screenshots, crops, skipped };
}
