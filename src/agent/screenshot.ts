// A hotkey capture: the frame at full resolution as <root>/raw/screenshots/<timestamp>.png, with a
// labelImg Pascal VOC XML beside it pre-filled with the current detections and their fine labels
// (cog_sb_coldcaller, toon_dog), so the player only corrects boxes in labelImg.
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { layout } from '../dataset/layout.ts';
import { formatVoc, type VocAnnotation } from '../dataset/voc.ts';
import { encodePng, type RgbImage } from '../image.ts';
import { bboxToBox, fineLabel, type LiveDetection } from '../predict/cascade.ts';

export interface CaptureObject {
  label: string;
  bbox: [number, number, number, number];
  score: number;
}

export interface SavedCapture {
  file: string;
  xml: string;
  width: number;
  height: number;
  objects: CaptureObject[];
}

/** `2026-11-28T16-40-05-123Z`: sortable, no characters Windows forbids. */
export function timestampName(d = new Date()): string {
  return d.toISOString().replace(/:/g, '-').replace('.', '-');
}

/** Saves the screenshot and its VOC annotation; never overwrites an existing file. */
export async function saveCapture(root: string, image: RgbImage, detections: readonly LiveDetection[], when = new Date()): Promise<SavedCapture> {
  const dir = layout(root).screenshots;
  await mkdir(dir, { recursive: true });
  let stem = timestampName(when);
  for (let i = 1; existsSync(path.join(dir, `${stem}.png`)) || existsSync(path.join(dir, `${stem}.xml`)); i++) stem = `${timestampName(when)}-${i}`;
  const file = path.join(dir, `${stem}.png`);
  const xml = path.join(dir, `${stem}.xml`);
  const objects: CaptureObject[] = [];
  const annotation: VocAnnotation = {
    folder: path.basename(dir),
    filename: `${stem}.png`,
    path: path.resolve(file),
    source: { database: 'Unknown' },
    size: { width: image.width, height: image.height, depth: 3 },
    segmented: 0,
    objects: [],
  };
  for (const d of detections) {
    const box = bboxToBox(d.bbox, image.width, image.height);
    if (!box) continue;
    const label = fineLabel(d);
    annotation.objects.push({ name: label, pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: box });
    objects.push({ label, bbox: [box.xmin, box.ymin, box.xmax - box.xmin, box.ymax - box.ymin], score: d.fineScore ?? d.score });
  }
  // Write both beside temporary names, then rename: a watcher (or extract) never sees half a file.
  const png = await encodePng(image);
  await writeFile(`${file}.part`, png);
  await writeFile(`${xml}.part`, formatVoc(annotation), 'utf8');
  await rename(`${file}.part`, file);
  await rename(`${xml}.part`, xml);
  return { file, xml, width: image.width, height: image.height, objects };
}
