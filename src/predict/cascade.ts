// The per-frame cascade: detector boxes -> crops -> binary (Cog or Toon) -> suit + name for Cogs,
// animal for Toons. One batch per model per frame; every tensor is disposed before the frame is done.
import type { Tensor } from '@tensorflow/tfjs';
import { tf } from '../engine/index.ts';
import { cropImage } from '../image.ts';
import type { Box, RgbImage } from '../image.ts';
import { interpretOutput, outputRows, predictRows } from '../model/classify.ts';
import { resizeRgbToFloat } from '../detect/resize.ts';
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
  /** The character's track id: the same while it stays in view (live frames only). */
  track?: number;
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
 * The crops of a frame as model input batches, built once per input shape and shared by the models of
 * the cascade (binary, suit, name and animal usually share one shape). Each box is cut out once per
 * frame and reused for every shape by the shared preprocessing (cropToTensor).
 */
class CropBatches {
  private readonly byShape = new Map<string, Tensor>();
  /** ONNX Runtime input: each crop resized in JavaScript (the same arithmetic as the tfjs resize), per shape. */
  private readonly floatsByShape = new Map<string, Float32Array[]>();
  private readonly crops: RgbImage[];
  constructor(img: RgbImage, boxes: readonly Box[]) {
    this.crops = boxes.map((b) => cropImage(img, b));
  }

  /** Model outputs (one row per box index in `which`), as plain numbers. */
  async run(m: LoadedModel, which: readonly number[]): Promise<number[][]> {
    if (which.length === 0) return [];
    const shape = m.metadata.inputShape;
    const key = shape.join('x');
    if (m.session) {
      const [h, w] = shape;
      let floats = this.floatsByShape.get(key);
      if (!floats) this.floatsByShape.set(key, (floats = []));
      const size = h * w * 3;
      const data = new Float32Array(which.length * size);
      which.forEach((k, j) => {
        floats[k] ??= resizeRgbToFloat(this.crops[k]!, h, w);
        data.set(floats[k], j * size);
      });
      return outputRows((await m.session.run(data, [which.length, h, w, 3])).data, which.length);
    }
    let all = this.byShape.get(key);
    if (!all) {
      all = tf.tidy(() => tf.stack(this.crops.map((c) => cropToTensor(c, undefined, shape))));
      this.byShape.set(key, all);
    }
    const batch = all;
    const everyCrop = which.length === this.crops.length && which.every((v, i) => v === i);
    return predictRows(m.model, () => (everyCrop ? batch : tf.gather(batch, tf.tensor1d([...which], 'int32'))), which.length, m.session);
  }

  dispose(): void {
    for (const t of this.byShape.values()) t.dispose();
    this.byShape.clear();
  }
}

/**
 * Classifies detections in place of their coarse label: binary decides Cog/Toon (when the model is
 * there), then suit and name (jointly: the name's suit must agree) or animal. Without a model for a
 * step, that step's fields are simply absent. Every tensor is disposed before it resolves.
 */
export async function classifyDetections(img: RgbImage, dets: readonly LiveDetection[], models: CascadeModels): Promise<LiveDetection[]> {
  const out = dets.map((d) => ({ ...d }));
  if (!models.binary && !models.suit && !models.name && !models.animal) return out;
  const boxes = out.map((d) => bboxToBox(d.bbox, img.width, img.height));
  const idx = out.map((_, i) => i).filter((i) => boxes[i] !== undefined);
  if (idx.length === 0) return out;
  const batches = new CropBatches(img, idx.map((i) => boxes[i]!));
  // Positions in the crop batch of each detection index.
  const pos = new Map(idx.map((i, k) => [i, k]));
  try {
    if (models.binary) {
      const res = await batches.run(models.binary, idx.map((i) => pos.get(i)!));
      idx.forEach((i, k) => {
        const c = interpretOutput(models.binary!.metadata, res[k]!);
        out[i]!.label = c.label === 'toon' ? 'toon' : 'cog';
        out[i]!.kindScore = round(c.score);
      });
    }

    const cogs = idx.filter((i) => out[i]!.label === 'cog');
    const toons = idx.filter((i) => out[i]!.label === 'toon');

    if (cogs.length > 0 && (models.suit || models.name)) {
      const at = cogs.map((i) => pos.get(i)!);
      const suitOut = models.suit ? await batches.run(models.suit, at) : undefined;
      const nameOut = models.name ? await batches.run(models.name, at) : undefined;
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
            const score = pn * (suitP ? (suitP.get(suitOfCog(n)!) ?? 0) : 1);
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
      const res = await batches.run(models.animal, toons.map((i) => pos.get(i)!));
      toons.forEach((i, k) => {
        const c = interpretOutput(models.animal!.metadata, res[k]!);
        out[i]!.animal = c.label;
        out[i]!.fineScore = round(c.score);
      });
    }
  } finally {
    batches.dispose();
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
