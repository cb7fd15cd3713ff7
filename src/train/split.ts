// In-memory re-split for `train --runs N`: the article unsorts and re-splits the crops before each run.
// Stratified by full label (suit+name or animal) like `toonvision split`, seeded, and done on indices
// into the pooled crops so that the files on disk stay where they are.
import seedrandom from 'seedrandom';

export type Ratio = [number, number, number];

export interface IndexSplit {
  train: number[];
  validate: number[];
  test: number[];
}

/** Splits indices 0..labels.length-1 stratified by label; each label keeps at least one training crop. */
export function stratifiedSplit(labels: readonly string[], ratio: Ratio, seed: number): IndexSplit {
  const total = ratio[0] + ratio[1] + ratio[2];
  const [rt, rv] = [ratio[0] / total, ratio[1] / total];
  const rand = seedrandom(`toonvision-split:${seed}`);
  const byLabel = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const list = byLabel.get(l) ?? [];
    list.push(i);
    byLabel.set(l, list);
  });
  const out: IndexSplit = { train: [], validate: [], test: [] };
  for (const label of [...byLabel.keys()].sort()) {
    const idx = byLabel.get(label)!;
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    const n = idx.length;
    const nTrain = Math.max(rt > 0 ? 1 : 0, Math.round(n * rt));
    const nVal = Math.min(n - nTrain, Math.round(n * rv));
    out.train.push(...idx.slice(0, nTrain));
    out.validate.push(...idx.slice(nTrain, nTrain + nVal));
    out.test.push(...idx.slice(nTrain + nVal));
  }
  for (const k of ['train', 'validate', 'test'] as const) out[k].sort((a, b) => a - b);
  return out;
}
