// In-memory re-split for `train --runs N`: the article unsorts and re-splits the crops before each run.
// The same stratified split as `toonvision split` (src/dataset/split.ts), done on indices into the
// pooled crops so that the files on disk stay where they are, and keeping a training crop per label.
import seedrandom from 'seedrandom';
import { stratify } from '../dataset/split.ts';
import type { Ratio } from '../dataset/split.ts';

export type { Ratio };

export interface IndexSplit {
  train: number[];
  validate: number[];
  test: number[];
}

/** Splits indices 0..labels.length-1 stratified by label; `ratio` need not sum to 1; each label keeps at least one training crop. */
export function stratifiedSplit(labels: readonly string[], ratio: Ratio, seed: number): IndexSplit {
  const total = ratio[0] + ratio[1] + ratio[2];
  const { indices } = stratify(labels, ratio.map((r) => r / total) as Ratio, seedrandom(`toonvision-split:${seed}`), true);
  const [train, validate, test] = indices.map((list) => [...list].sort((a, b) => a - b)) as [number[], number[], number[]];
  return { train, validate, test };
}
