// Labelled frames for the detector: folders of screenshots (PNG or JPEG) with a labelImg VOC .xml
// beside each, as the scene generator writes them and as the player's captures are saved.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readVoc } from '../dataset/voc.ts';
import { readImage } from '../image.ts';
import type { DetectorScene } from './evaluate.ts';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif']);

export interface SceneLoadReport {
  scenes: DetectorScene[];
  /** Pairs that could not be read, with the reason. */
  errors: { file: string; reason: string }[];
}

/** Image + XML pairs in one folder (not recursive), sorted by name. Throws if the folder is missing. */
export async function listScenePairs(dir: string): Promise<{ image: string; xml: string }[]> {
  if (!existsSync(dir)) throw new Error(`${dir}: folder does not exist`);
  const names = (await readdir(dir)).sort();
  const xmls = new Set(names.filter((n) => n.toLowerCase().endsWith('.xml')));
  const pairs: { image: string; xml: string }[] = [];
  for (const n of names) {
    const ext = path.extname(n).toLowerCase();
    if (!IMAGE_EXT.has(ext)) continue;
    const stem = n.slice(0, -ext.length);
    const xml = [`${stem}.xml`, `${stem}.XML`].find((x) => xmls.has(x));
    pairs.push({ image: path.join(dir, n), xml: xml ? path.join(dir, xml) : '' });
  }
  return pairs;
}

/**
 * Reads every labelled frame of the folders. Boxes are clipped to the image; an image whose XML
 * cannot be parsed is reported in `errors` and skipped, so one bad capture does not stop training.
 * Images without an .xml beside them are passed over.
 */
export async function loadScenes(
  dirs: readonly string[],
  opts: { limit?: number } = {},
): Promise<SceneLoadReport> {
  const report: SceneLoadReport = { scenes: [], errors: [] };
  for (const dir of dirs) {
    for (const pair of await listScenePairs(dir)) {
      if (opts.limit !== undefined && report.scenes.length >= opts.limit) return report;
      if (!pair.xml) continue;
      try {
        const [voc, image] = await Promise.all([readVoc(pair.xml), readImage(pair.image)]);
        const objects = voc.objects
          .map((o) => ({
            label: o.name,
            difficult: o.difficult === 1,
            box: {
              xmin: Math.max(0, Math.min(image.width, o.bndbox.xmin)),
              ymin: Math.max(0, Math.min(image.height, o.bndbox.ymin)),
              xmax: Math.max(0, Math.min(image.width, o.bndbox.xmax)),
              ymax: Math.max(0, Math.min(image.height, o.bndbox.ymax)),
            },
          }))
          .filter((o) => o.box.xmax > o.box.xmin && o.box.ymax > o.box.ymin);
        const scene: DetectorScene = { image, objects, file: pair.image };
        report.scenes.push(scene);
      } catch (err) {
        report.errors.push({ file: pair.image, reason: (err as Error).message.split('\n')[0]! });
      }
    }
  }
  return report;
}
