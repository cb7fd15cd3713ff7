// `split`: gathers every crop (unsorted/ and data/*/) into one pool, then spreads each full label
// over train/validate/test by the ratio. Deterministic for a seed; moves by rename, never overwrites.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { shuffleInPlace } from '../shuffle.ts';
import type { Split } from './layout.ts';
import { layout, SPLITS } from './layout.ts';
import { listAllCrops, moveNoClobber } from './files.ts';
import { RunError, ToonVisionError } from '../errors.ts';

export type Ratio = [number, number, number];
export const DEFAULT_RATIO: Ratio = [0.6, 0.2, 0.2];

export interface SplitResult {
  train: number;
  validate: number;
  test: number;
  byLabel: Record<string, [number, number, number]>;
  /** the seed used (a fresh one when none was given) */
  seed: string;
  ratio: Ratio;
  /** crops that changed folder */
  moved: number;
  /** image files in the crop folders whose names are not crop names; left where they are */
  skipped: { file: string; reason: string }[];
}

export interface SplitOptions {
  ratio?: Ratio;
  seed?: string | number;
  onProgress?: (done: number, total: number) => void;
}

/** A ratio that cannot split: bad usage wherever it comes from a flag. */
export class RatioError extends ToonVisionError {
  constructor(message: string) {
    super(message, { code: 'ratio', exitCode: 2 });
  }
}

/** Parses and checks `0.6,0.2,0.2`: three non-negative numbers summing to 1. */
export function parseRatio(text: string): Ratio {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 3 || parts.some((p) => p === '' || !Number.isFinite(Number(p)))) {
    throw new RatioError(`ratio must be three numbers train,validate,test like 0.6,0.2,0.2, got '${text}'`);
  }
  return checkRatio(parts.map(Number) as Ratio);
}

export function checkRatio(r: readonly number[]): Ratio {
  if (r.length !== 3 || r.some((x) => !Number.isFinite(x))) throw new RatioError(`ratio must be three numbers, got ${JSON.stringify(r)}`);
  if (r.some((x) => x < 0)) throw new RatioError(`ratio parts must not be negative, got ${r.join(',')}`);
  const sum = r[0]! + r[1]! + r[2]!;
  if (Math.abs(sum - 1) > 1e-6) throw new RatioError(`ratio must sum to 1, got ${r.join(',')} (sum ${+sum.toFixed(6)})`);
  return [r[0]!, r[1]!, r[2]!];
}

/**
 * How many of n items go to each split: floor of n*ratio, and each of the (at most two) leftovers
 * to a different split. Which splits get them is steered by `deficit` (how far each split is behind
 * its share over the labels allocated so far), so that many small labels still fill every split by
 * the ratio; ties go to train, then validate, then test. A zero ratio part always gets zero.
 */
export function allocate(n: number, ratio: Ratio, deficit: [number, number, number] = [0, 0, 0]): [number, number, number] {
  const counts = ratio.map((r) => Math.floor(n * r + 1e-9)) as [number, number, number];
  let left = n - counts[0] - counts[1] - counts[2];
  const want = ratio.map((r, i) => n * r - counts[i]! + deficit[i]!);
  const order = [0, 1, 2].filter((i) => ratio[i]! > 0).sort((a, b) => want[b]! - want[a]! || a - b);
  for (const i of order) {
    if (left <= 0) break;
    counts[i as 0 | 1 | 2]++;
    left--;
  }
  return counts;
}

/**
 * The stratified split shared by `split` (files) and `train --runs` (in memory): items grouped by
 * label, labels in sorted order, each label's items (in the order given) shuffled by `rng`, then
 * spread by allocate(). With `minTrain`, every label keeps at least one item in train (a class with
 * no training crop cannot be learned). Returns the item indices per split, each in shuffled order.
 */
export function stratify(
  labels: readonly string[],
  ratio: Ratio,
  rng: () => number,
  minTrain = false,
): { indices: [number[], number[], number[]]; byLabel: Record<string, [number, number, number]> } {
  const groups = new Map<string, number[]>();
  labels.forEach((label, i) => {
    let list = groups.get(label);
    if (!list) groups.set(label, (list = []));
    list.push(i);
  });
  const indices: [number[], number[], number[]] = [[], [], []];
  const byLabel: Record<string, [number, number, number]> = {};
  const deficit: [number, number, number] = [0, 0, 0];
  for (const label of [...groups.keys()].sort()) {
    const list = shuffleInPlace(groups.get(label)!, rng);
    const counts = allocate(list.length, ratio, deficit);
    if (minTrain && counts[0] === 0 && ratio[0] > 0) {
      const from = counts[1] >= counts[2] ? 1 : 2;
      counts[from]--;
      counts[0]++;
    }
    for (let i = 0; i < 3; i++) deficit[i as 0 | 1 | 2] += list.length * ratio[i]! - counts[i]!;
    byLabel[label] = counts;
    let k = 0;
    for (let s = 0; s < 3; s++) for (let i = 0; i < counts[s]!; i++) indices[s]!.push(list[k++]!);
  }
  return { indices, byLabel };
}

/** Splits the crops of a root; see the module comment. */
export async function splitDataset(root: string, opts: SplitOptions = {}): Promise<SplitResult> {
  const ratio = checkRatio(opts.ratio ?? DEFAULT_RATIO);
  const seed = String(opts.seed ?? Math.floor(Math.random() * 2 ** 31));
  if (!existsSync(root)) throw new RunError(`${root}: no such data root (nothing to split)`, 'data-root');
  const l = layout(root);
  const { crops, bad } = await listAllCrops(root);

  // The pool: one entry per file name; two files with one name would collide, so stop before moving anything.
  const byName = new Map<string, (typeof crops)[number]>();
  for (const c of crops) {
    const name = path.basename(c.file);
    const other = byName.get(name);
    if (other) throw new RunError(`${c.file}: a crop with the same name is also at ${other.file}; remove one of them, then split again`);
    byName.set(name, c);
  }
  // Deterministic: crops in name order, labels in sorted order, shuffled by one seeded stream.
  const pool = [...crops].sort((a, b) => (path.basename(a.file) < path.basename(b.file) ? -1 : 1));
  const { indices, byLabel } = stratify(pool.map((c) => c.label), ratio, seedrandom(seed));
  const plan: { from: string; to: string }[] = [];
  const result: SplitResult = { train: 0, validate: 0, test: 0, byLabel, seed, ratio, moved: 0, skipped: bad };
  SPLITS.forEach((split: Split, s) => {
    result[split] = indices[s]!.length;
    for (const i of indices[s]!) {
      const c = pool[i]!;
      const to = path.join(l.split(split, c.parsed.kind), path.basename(c.file));
      if (path.resolve(to) !== path.resolve(c.file)) plan.push({ from: c.file, to });
    }
  });

  for (const split of SPLITS) for (const kind of ['cog', 'toon'] as const) await mkdir(l.split(split, kind), { recursive: true });
  // Every crop keeps its (pool-unique) name, so no destination is taken by another crop; moving each
  // straight to its place is the same as gathering into unsorted/ first, with half the renames.
  let done = 0;
  for (const { from, to } of plan) {
    await moveNoClobber(from, to);
    result.moved++;
    opts.onProgress?.(++done, plan.length);
  }
  return result;
}
