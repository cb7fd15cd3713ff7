// The article's folder layout under a data root (default `captures/`):
//   raw/screenshots/  raw/processed/  unsorted/{cog,toon}/  data/{train,validate,test}/{cog,toon}/
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { AnyLabel, Kind } from '../taxonomy.ts';
import { formatLabel, KINDS, parseAnyLabel } from '../taxonomy.ts';

export const SPLITS = ['train', 'validate', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export const DEFAULT_ROOT = 'captures';

export function layout(root: string = DEFAULT_ROOT) {
  return {
    root,
    screenshots: path.join(root, 'raw', 'screenshots'),
    processed: path.join(root, 'raw', 'processed'),
    /** Unlabelled game frames kept by `agent --collect` for retrain's teacher. */
    unlabelled: path.join(root, 'raw', 'unlabelled'),
    unsorted: (kind: Kind) => path.join(root, 'unsorted', kind),
    split: (split: Split, kind: Kind) => path.join(root, 'data', split, kind),
  };
}

export interface Crop {
  file: string;
  /** full label without index: cog_sb_coldcaller (or a coarse one: cog, cog_sb, toon) */
  label: string;
  parsed: AnyLabel;
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** The crops of a folder, parsed from their file names; files that do not parse are returned in `bad`. */
export async function listCropsIn(dir: string): Promise<{ crops: Crop[]; bad: { file: string; reason: string }[] }> {
  const crops: Crop[] = [];
  const bad: { file: string; reason: string }[] = [];
  if (!existsSync(dir)) return { crops, bad };
  for (const name of (await readdir(dir)).sort()) {
    if (!IMAGE_EXT.test(name)) continue;
    const file = path.join(dir, name);
    try {
      const parsed = parseAnyLabel(name.replace(IMAGE_EXT, ''));
      crops.push({ file, label: formatLabel(parsed), parsed });
    } catch (err) {
      bad.push({ file, reason: (err as Error).message });
    }
  }
  return { crops, bad };
}

/** All crops of one split (both kinds). */
export async function listSplit(root: string, split: Split): Promise<Crop[]> {
  const l = layout(root);
  const out: Crop[] = [];
  for (const kind of KINDS) out.push(...(await listCropsIn(l.split(split, kind))).crops);
  return out;
}
