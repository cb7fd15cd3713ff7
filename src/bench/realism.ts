// `toonvision bench realism`: how much rendered (or any labelled) scenes look like the real game, judged
// by a Toon/Cog classifier trained only on real screenshots (the article's binary model): its accuracy
// on the scenes' crops, cut as `extract` cuts them (each box as labelled, difficult objects left out),
// overall, per kind, per label and per crop height. The judge is only ever run, never trained.
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listScenePairs } from '../detect/data.ts';
import { readVoc } from '../dataset/voc.ts';
import { initEngine, initInference } from '../engine/index.ts';
import { readImage, type Box } from '../image.ts';
import { classifyCrops } from '../model/classify.ts';
import { disposeLoaded, loadModelFolder } from '../model/folder.ts';
import { importKeras } from '../model/keras.ts';
import { parseAnyLabel } from '../taxonomy.ts';

/** The target: the real-trained judge tells Toon from Cog on rendered crops this often. */
export const REALISM_TARGET = 0.9;

export interface Tally {
  crops: number;
  correct: number;
  accuracy: number | null;
}

export interface RealismResult {
  dirs: string[];
  judge: string;
  screenshots: number;
  crops: number;
  accuracy: number | null;
  target: number;
  met: boolean;
  cog: Tally;
  toon: Tally;
  /** by crop height: small < 60 px <= medium < 150 px <= large */
  bySize: { small: Tally; medium: Tally; large: Tally };
  byLabel: Record<string, Tally>;
  difficult: number;
  /** objects whose label is not a taxonomy label (left out) */
  unlabelled: number;
  errors: { file: string; reason: string }[];
  msPerCrop: number;
}

const tally = (): Tally => ({ crops: 0, correct: 0, accuracy: null });
const add = (t: Tally, ok: boolean) => {
  t.crops++;
  if (ok) t.correct++;
  t.accuracy = t.correct / t.crops;
};

/** Runs the judge (a model folder, or a .keras/.h5 file imported into a temporary folder) on the crops of `dirs`. */
export async function runRealismBench(opts: { dirs: string[]; judge: string; limit?: number; onScreenshot?: (done: number, total: number) => void }): Promise<RealismResult> {
  if (!existsSync(opts.judge)) throw new Error(`${opts.judge}: no such judge model`);
  await initEngine();
  await initInference();
  let tmp: string | undefined;
  let folder = opts.judge;
  if (!statSync(opts.judge).isDirectory()) {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'toonvision-judge-'));
    folder = path.join(tmp, 'binary');
    await importKeras(opts.judge, 'binary', folder);
  }
  const result: RealismResult = {
    dirs: opts.dirs, judge: opts.judge, screenshots: 0, crops: 0, accuracy: null, target: REALISM_TARGET, met: false,
    cog: tally(), toon: tally(), bySize: { small: tally(), medium: tally(), large: tally() }, byLabel: {}, difficult: 0, unlabelled: 0, errors: [], msPerCrop: 0,
  };
  const all = tally();
  let ms = 0;
  try {
    const loaded = await loadModelFolder(folder, 'binary');
    try {
      const pairs = (await Promise.all(opts.dirs.map((d) => listScenePairs(d)))).flat().filter((p) => p.xml);
      const todo = opts.limit ? pairs.slice(0, opts.limit) : pairs;
      for (const [n, pair] of todo.entries()) {
        try {
          const [voc, image] = await Promise.all([readVoc(pair.xml), readImage(pair.image)]);
          const boxes: Box[] = [];
          const kinds: ('cog' | 'toon')[] = [];
          const labels: string[] = [];
          for (const o of voc.objects) {
            if (o.difficult) {
              result.difficult++;
              continue;
            }
            let kind: 'cog' | 'toon';
            try {
              kind = parseAnyLabel(o.name).kind;
            } catch {
              result.unlabelled++;
              continue;
            }
            const b = o.bndbox;
            const box = { xmin: Math.max(0, b.xmin), ymin: Math.max(0, b.ymin), xmax: Math.min(image.width, b.xmax), ymax: Math.min(image.height, b.ymax) };
            if (box.xmax <= box.xmin || box.ymax <= box.ymin) continue;
            boxes.push(box);
            kinds.push(kind);
            labels.push(o.name);
          }
          const t0 = performance.now();
          const out = boxes.length ? await classifyCrops(loaded, image, boxes) : [];
          ms += performance.now() - t0;
          out.forEach((c, i) => {
            const ok = c.label === kinds[i];
            add(all, ok);
            add(result[kinds[i]!], ok);
            const h = boxes[i]!.ymax - boxes[i]!.ymin;
            add(result.bySize[h < 60 ? 'small' : h < 150 ? 'medium' : 'large'], ok);
            add((result.byLabel[labels[i]!] ??= tally()), ok);
          });
          result.screenshots++;
        } catch (err) {
          result.errors.push({ file: pair.image, reason: (err as Error).message.split('\n')[0]! });
        }
        opts.onScreenshot?.(n + 1, todo.length);
      }
    } finally {
      disposeLoaded(loaded);
    }
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
  result.crops = all.crops;
  result.accuracy = all.accuracy;
  result.met = all.accuracy !== null && all.accuracy >= REALISM_TARGET;
  result.msPerCrop = all.crops ? Math.round((ms / all.crops) * 10) / 10 : 0;
  result.byLabel = Object.fromEntries(Object.entries(result.byLabel).sort(([a], [b]) => a.localeCompare(b)));
  return result;
}
