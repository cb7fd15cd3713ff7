// Synthetic data roots for the demo models and the accuracy benchmark: generated street scenes
// (src/synth) -> extract (src/dataset) -> split, in the article's folder layout.
import { writeScenes } from '../synth/index.ts';
import { extractScreenshots } from '../dataset/extract.ts';
import { splitDataset } from '../dataset/split.ts';
import type { Ratio } from '../dataset/split.ts';
import { layout } from '../dataset/layout.ts';

export interface SyntheticRootOptions {
  scenes: number;
  seed: number;
  ratio: Ratio;
  width?: number;
  height?: number;
  /** Real Cog head renders to texture synthetic Cogs with (see synth's cogHeads). */
  cogHeads?: string;
  log?: (line: string) => void;
}

/** Writes scenes into <root>/raw/screenshots, extracts their crops (moving the scenes) and splits them. */
export async function makeSyntheticRoot(root: string, opts: SyntheticRootOptions): Promise<{ crops: number; train: number; validate: number; test: number }> {
  const l = layout(root);
  const t0 = Date.now();
  await writeScenes(l.screenshots, { count: opts.scenes, seed: opts.seed, width: opts.width ?? 800, height: opts.height ?? 600, cogHeads: opts.cogHeads });
  opts.log?.(`  ${opts.scenes} scenes (seed ${opts.seed}) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const ex = await extractScreenshots(root, { move: true });
  if (ex.errors.length) throw new Error(`extract failed on ${ex.errors[0]!.file}: ${ex.errors[0]!.reason}`);
  const sp = await splitDataset(root, { ratio: opts.ratio, seed: opts.seed });
  opts.log?.(`  ${ex.crops} crops -> ${sp.train} train, ${sp.validate} validate, ${sp.test} test`);
  return { crops: ex.crops, train: sp.train, validate: sp.validate, test: sp.test };
}
