// Classifying crops with a loaded model folder: the programmatic API of `toonvision classify`,
// used by the live agent and by evaluation. Batched; every tensor it makes is disposed.
import { tf, type OnnxSession } from '../engine/index.ts';
import type { Box, RgbImage } from '../image.ts';
import type { LoadedModel, ModelMetadata } from './folder.ts';
import { cropsToBatch } from './preprocess.ts';

export interface Classification {
  /** The chosen class (for binary: 'toon' when P(toon) > 0.5, else 'cog'). */
  label: string;
  /** Confidence of the chosen class: P(toon) or 1 - P(toon) for binary, the softmax value otherwise. */
  score: number;
  /** Index of `label` in the model's classes. */
  classIndex: number;
  /** The raw model outputs for this crop. */
  output: number[];
}

/** Turns one crop's raw outputs into a label and score, from the model's metadata. */
export function interpretOutput(metadata: Pick<ModelMetadata, 'task' | 'classes'>, output: readonly number[]): Classification {
  const classes = metadata.classes;
  if (output.length === 1) {
    // One sigmoid unit: P(second class), i.e. P(toon) for binary ['cog', 'toon'].
    const p = output[0]!;
    const classIndex = p > 0.5 ? 1 : 0;
    return { label: classes[classIndex] ?? String(classIndex), score: classIndex === 1 ? p : 1 - p, classIndex, output: [...output] };
  }
  let classIndex = 0;
  for (let i = 1; i < output.length; i++) if (output[i]! > output[classIndex]!) classIndex = i;
  return { label: classes[classIndex] ?? String(classIndex), score: output[classIndex]!, classIndex, output: [...output] };
}

export interface ClassifyOptions {
  /** Crops per forward pass (default 16). */
  batchSize?: number;
}

/**
 * Runs `model` (or its ONNX Runtime `session`, when it has one) on the batch `input()` builds (inside
 * a tidy) and returns its raw outputs, one row of numbers per input; every tensor is disposed.
 */
export async function predictRows(
  model: import('@tensorflow/tfjs').LayersModel,
  input: () => import('@tensorflow/tfjs').Tensor,
  n: number,
  session?: OnnxSession,
): Promise<number[][]> {
  let values: Float32Array;
  if (session) {
    // clone: input() may hand back a tensor its caller keeps (the cascade's shared crop batch).
    const x = tf.tidy(() => input().clone());
    let data: Float32Array;
    try {
      data = (await x.data()) as Float32Array;
    } finally {
      x.dispose();
    }
    values = (await session.run(data, x.shape)).data;
  } else {
    const out = tf.tidy(() => (model.predict(input()) as import('@tensorflow/tfjs').Tensor).reshape([n, -1]));
    try {
      values = (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }
  return outputRows(values, n);
}

/** A flat batch of model outputs as one row of numbers per input. */
export function outputRows(values: Float32Array, n: number): number[][] {
  const width = values.length / n;
  return Array.from({ length: n }, (_, i) => Array.from(values.subarray(i * width, (i + 1) * width)));
}

/**
 * Classifies boxes of one image (each box cropped end-exclusive, resized to the model input with the
 * shared preprocessing). Returns one result per box, in order. Tensors are disposed before it resolves.
 */
export async function classifyCrops(
  loaded: LoadedModel,
  img: RgbImage,
  boxes: readonly Box[],
  opts: ClassifyOptions = {},
): Promise<Classification[]> {
  const batchSize = Math.max(1, opts.batchSize ?? 16);
  const { model, metadata } = loaded;
  for (const b of boxes) {
    if (!(b.xmin >= 0 && b.ymin >= 0 && b.xmax <= img.width && b.ymax <= img.height && b.xmax > b.xmin && b.ymax > b.ymin)) {
      throw new RangeError(`box ${b.xmin},${b.ymin},${b.xmax},${b.ymax} is not inside the ${img.width}x${img.height} image`);
    }
  }
  const results: Classification[] = [];
  for (let start = 0; start < boxes.length; start += batchSize) {
    const chunk = boxes.slice(start, start + batchSize);
    const rows = await predictRows(model, () => cropsToBatch(img, chunk, metadata.inputShape), chunk.length, loaded.session);
    for (const row of rows) results.push(interpretOutput(metadata, row));
  }
  return results;
}

/** The whole image as a box. */
export function wholeImage(img: RgbImage): Box {
  return { xmin: 0, ymin: 0, xmax: img.width, ymax: img.height };
}
