// The per-frame cascade: detector boxes -> crops -> binary (Cog or Toon) -> suit + name for Cogs,
// animal for Toons. One batch per model per frame; every tensor is disposed before the frame is done.
import type { Tensor } from '@tensorflow/tfjs';
import { tf } from '../engine/index.ts';
import { cropImage } from '../image.ts';
import type { Box, RgbImage } from '../image.ts';
import { interpretOutput } from '../model/classify.ts';
import type { LoadedModel } from '../model/folder.ts';
import { cropToTensor } from '../model/preprocess.ts';
import { COG_NAMES, SUITS, suitOfCog, type Kind } from '../taxonomy.ts';

/** A detection as the frame message carries it (bbox [x, y, w, h] in window pixels). */
export interface LiveDetection {
  bbox: [number, number, number, number];
  label: Kind;
  score: number;
  suit?: string;
  name?: string;
  animal?: string;
  /** Confidence of the fine label (suit x name for Cogs, animal for Toons). */
  fineScore?: number;
  /** P(label) from the binary classifier, when it ran. */
  kindScore?: number;
}

export interface CascadeModels {
  binary?: LoadedModel;
  suit?: LoadedModel;
  name?: LoadedModel;
  animal?: LoadedModel;
}

/** [x, y, w, h] (float) to an integer end-exclusive box clipped to the image; undefined when empty. */
export function bboxToBox(bbox: readonly number[], width: number, height: number): Box | undefined {
  const [x, y, w, h] = bbox as [number, number, number, number];
  const xmin = Math.max(0, Math.floor(x));
  const ymin = Math.max(0, Math.floor(y));
  const xmax = Math.min(width, Math.ceil(x + w));
  const ymax = Math.min(height, Math.ceil(y + h));
  if (xmax - xmin < 2 || ymax - ymin < 2) return undefined;
  return { xmin, ymin, xmax, ymax };
}

/**
 * Runs one model over some boxes of a frame as one batch. Each box is cut out in JavaScript first
 * (a small copy), then goes through the shared preprocessing (cropToTensor), so the full frame is
 * never turned into a tensor once per box.
 */
async function runBatch(m: LoadedModel, img: RgbImage, boxes: Box[]): Promise<number[][]> {
  if (boxes.length === 0) return [];
  const crops = boxes.map((b) => cropImage(img, b));
  const out = tf.tidy(() => {
    const batch = tf.stack(crops.map((c) => cropToTensor(c, undefined, m.metadata.inputShape)));
    const y = m.model.predict(batch) as Tensor;
    return y.reshape([boxes.length, -1]);
  });
  let values: Float32Array;
  try {
    values = (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
  const width = values.length / boxes.length;
  return boxes.map((_, i) => Array.from(values.subarray(i * width, (i + 1) * width)));
}

/**
 * Classifies detections in place of their coarse label: binary decides Cog/Toon (when the model is
 * there), then suit and name (jointly: the name's suit must agree) or animal. Without a model for a
 * step, that step's fields are simply absent.
 */
export async function classifyDetections(img: RgbImage, dets: readonly LiveDetection[], models: CascadeModels): Promise<LiveDetection[]> {
  const out = dets.map((d) => ({ ...d }));
  const boxes = out.map((d) => bboxToBox(d.bbox, img.width, img.height));
  const idx = out.map((_, i) => i).filter((i) => boxes[i] !== undefined);
  if (idx.length === 0) return out;

  if (models.binary) {
    const res = await runBatch(models.binary, img, idx.map((i) => boxes[i]!));
    idx.forEach((i, k) => {
      const c = interpretOutput(models.binary!.metadata, res[k]!);
      out[i]!.label = c.label === 'toon' ? 'toon' : 'cog';
      out[i]!.kindScore = c.score;
    });
  }

  const cogs = idx.filter((i) => out[i]!.label === 'cog');
  const toons = idx.filter((i) => out[i]!.label === 'toon');

  if (cogs.length > 0 && (models.suit || models.name)) {
    const cogBoxes = cogs.map((i) => boxes[i]!);
    const [suitOut, nameOut] = await Promise.all([
      models.suit ? runBatch(models.suit, img, cogBoxes) : Promise.resolve(undefined),
      models.name ? runBatch(models.name, img, cogBoxes) : Promise.resolve(undefined),
    ]);
    cogs.forEach((i, k) => {
      const d = out[i]!;
      const suitP = suitOut ? probsByClass(models.suit!.metadata.classes, suitOut[k]!) : undefined;
      const nameP = nameOut ? probsByClass(models.name!.metadata.classes, nameOut[k]!) : undefined;
      if (nameP) {
        // Joint choice: P(name) x P(suit of name), so suit and name always agree.
        let best = '';
        let bestScore = -1;
        for (const n of COG_NAMES) {
          const pn = nameP.get(n);
          if (pn === undefined) continue;
          const s = suitOfCog(n)!;
          const score = pn * (suitP ? (suitP.get(s) ?? 0) : 1);
          if (score > bestScore) {
            bestScore = score;
            best = n;
          }
        }
        if (best) {
          d.name = best;
          d.suit = suitOfCog(best);
          d.fineScore = round(bestScore);
        }
      } else if (suitP) {
        let best: string = SUITS[0];
        for (const s of SUITS) if ((suitP.get(s) ?? -1) > (suitP.get(best) ?? -1)) best = s;
        d.suit = best;
        d.fineScore = round(suitP.get(best) ?? 0);
      }
    });
  }

  if (toons.length > 0 && models.animal) {
    const res = await runBatch(models.animal, img, toons.map((i) => boxes[i]!));
    toons.forEach((i, k) => {
      const c = interpretOutput(models.animal!.metadata, res[k]!);
      out[i]!.animal = c.label;
      out[i]!.fineScore = round(c.score);
    });
  }
  return out;
}

function probsByClass(classes: readonly string[], output: readonly number[]): Map<string, number> {
  return new Map(classes.map((c, i) => [c, output[i] ?? 0]));
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** The taxonomy label of a classified detection (`cog_sb_coldcaller`, `toon_dog`), or its kind alone. */
export function fineLabel(d: LiveDetection): string {
  if (d.label === 'cog') return d.suit && d.name ? `cog_${d.suit}_${d.name}` : 'cog';
  return d.animal ? `toon_${d.animal}` : 'toon';
}
