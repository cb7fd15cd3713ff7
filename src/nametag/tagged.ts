// Collected frames labelled by their Cogs' own nametags: for each frame `agent --collect` keeps (in
// raw/unlabelled/, for retrain's teacher) in which a Cog's tag was read surely, raw/tagged/ gets the
// frame (a hard link, else a copy) and a VOC file listing only those Cogs, each with the fine label its
// tag gave and marked <nametag>. retrain crops them for the classifiers (binary, suit, name), then
// moves them to raw/tagged/done/: boxed without the tag, as the article boxes them.
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { layout } from '../dataset/layout.ts';
import { formatVoc, type VocAnnotation } from '../dataset/voc.ts';
import type { Box } from '../image.ts';

export interface TaggedObject {
  /** the fine label its tag gave (`cog_cb_pennypincher`) */
  label: string;
  box: Box;
  /** the tag's text */
  nametag: string;
}

/** Writes raw/tagged/<stem>.<ext> and <stem>.xml for a collected frame; returns the VOC file, or undefined when no Cog was tag-labelled. */
export async function saveTagged(root: string, frameFile: string, size: { width: number; height: number }, objects: readonly TaggedObject[]): Promise<string | undefined> {
  if (objects.length === 0) return undefined;
  const dir = layout(root).tagged;
  await mkdir(dir, { recursive: true });
  const name = path.basename(frameFile);
  const stem = name.replace(/\.[^.]+$/, '');
  const image = path.join(dir, name);
  const xml = path.join(dir, `${stem}.xml`);
  if (existsSync(image) || existsSync(xml)) return undefined;
  try {
    await link(frameFile, image);
  } catch {
    await copyFile(frameFile, image);
  }
  const a: VocAnnotation = {
    folder: path.basename(dir),
    filename: name,
    path: path.resolve(image),
    source: { database: 'toonvision agent --collect: labelled by the Cogs\' nametags' },
    size: { ...size, depth: 3 },
    segmented: 0,
    objects: objects.map((o) => ({ name: o.label, pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: o.box, nametag: o.nametag })),
  };
  await writeFile(`${xml}.part`, formatVoc(a), 'utf8');
  await rename(`${xml}.part`, xml);
  return xml;
}
