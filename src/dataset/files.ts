// File moves that never overwrite, and the crop index counters shared by extract and split.
import { copyFile, lstat, rename, unlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import type { Kind } from '../taxonomy.ts';
import { KINDS } from '../taxonomy.ts';
import type { Crop } from './layout.ts';
import { layout, listCropsIn, SPLITS } from './layout.ts';

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** An error with code EEXIST naming the file that is in the way. */
function eexist(dst: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${dst} already exists; not overwriting it`);
  err.code = 'EEXIST';
  return err;
}

/**
 * Moves `src` to `dst` by rename, refusing to replace an existing `dst` (EEXIST). Across file
 * systems it copies exclusively and then removes the source.
 */
export async function moveNoClobber(src: string, dst: string): Promise<void> {
  if (await exists(dst)) throw eexist(dst);
  try {
    await rename(src, dst);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    try {
      await copyFile(src, dst, constants.COPYFILE_EXCL);
    } catch (copyErr) {
      if ((copyErr as NodeJS.ErrnoException).code === 'EEXIST') throw eexist(dst);
      throw copyErr;
    }
    await unlink(src);
  }
}

/** Every crop folder of a root: unsorted/{cog,toon} and data/{train,validate,test}/{cog,toon}. */
export function cropFolders(root: string): { dir: string; kind: Kind; split: 'unsorted' | (typeof SPLITS)[number] }[] {
  const l = layout(root);
  return [
    ...KINDS.map((kind) => ({ dir: l.unsorted(kind), kind, split: 'unsorted' as const })),
    ...SPLITS.flatMap((split) => KINDS.map((kind) => ({ dir: l.split(split, kind), kind, split }))),
  ];
}

/** All crops of a root, wherever they are, plus files whose names do not parse as crops. */
export async function listAllCrops(root: string): Promise<{
  crops: (Crop & { split: 'unsorted' | (typeof SPLITS)[number]; kind: Kind })[];
  bad: { file: string; reason: string }[];
}> {
  const crops: (Crop & { split: 'unsorted' | (typeof SPLITS)[number]; kind: Kind })[] = [];
  const bad: { file: string; reason: string }[] = [];
  for (const f of cropFolders(root)) {
    const r = await listCropsIn(f.dir);
    for (const c of r.crops) crops.push({ ...c, split: f.split, kind: f.kind });
    bad.push(...r.bad);
  }
  return { crops, bad };
}

/** The next free index of each label: one after the highest existing one anywhere under the root. */
export async function nextIndexes(root: string): Promise<Map<string, number>> {
  const next = new Map<string, number>();
  for (const c of (await listAllCrops(root)).crops) {
    const i = c.parsed.index;
    if (i === undefined) continue;
    next.set(c.label, Math.max(next.get(c.label) ?? 0, i + 1));
  }
  return next;
}
