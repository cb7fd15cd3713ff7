// Visualizing convnet filters (Chollet, "Deep Learning with Python" ch. 9, and the article's table of
// contents): for each filter of a conv layer, the input pattern it responds to most, found by gradient
// ascent on the input from a noisy grey image. A layer's filters are ascended together as one batch
// (each image of the batch maximises its own filter, so the images never interact).
// Written here because tfjs has no such visualisation; the gradient is tf.grad on the model's layers.
import seedrandom from 'seedrandom';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../engine/index.ts';
import { chainLayers, ExplainError, isConv, tileSheet } from './explain.ts';
import type { TileBlock } from './explain.ts';
import type { LoadedModel } from './folder.ts';

export const FILTER_DEFAULTS = {
  /** gradient-ascent steps (Chollet: 30) */
  steps: 30,
  /**
   * step size in input units (0-255) per pixel: the gradient is scaled to a root mean square of 1, so
   * each step moves a pixel by about this much (Chollet's 10 on an l2-normalised 200x200x3 gradient is ~7)
   */
  stepSize: 5,
  seed: 1,
  /** filters ascended in one batch */
  chunk: 16,
} as const;

export interface FilterOptions {
  /** one conv layer by name (default: every conv layer) */
  layer?: string;
  steps?: number;
  stepSize?: number;
  seed?: number;
  chunk?: number;
}

export interface LayerPatterns {
  layer: string;
  /** the layer's output shape [h, w, filters] */
  shape: [number, number, number];
  /** input height and width of every pattern */
  height: number;
  width: number;
  /** per filter: the pattern normalised for display (mean 128, 64 per standard deviation, clipped), RGB bytes */
  patterns: Uint8Array[];
  /** per filter: its mean activation on the final pattern (0 for a filter that never fired: a dead one) */
  activation: number[];
}

/** Names of the model's conv layers, in order. */
export function convLayerNames(loaded: LoadedModel): string[] {
  return chainLayers(loaded.model).filter(isConv).map((l) => l.name);
}

/** Chollet's deprocess: centre on 128 with 64 per standard deviation, clip to 0-255 (a flat pattern stays grey). */
export function displayPattern(values: Float32Array): Uint8Array {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / values.length);
  return Uint8Array.from(values, (v) => Math.min(255, Math.max(0, Math.round(((v - mean) / (std + 1e-5)) * 64 + 128))));
}

/** The patterns of every conv layer's filters (or of `opts.layer`'s); the same seed gives the same patterns. */
export function filterPatterns(loaded: LoadedModel, opts: FilterOptions = {}): LayerPatterns[] {
  const layers = chainLayers(loaded.model);
  const convs = layers.map((l, i) => ({ l, i })).filter(({ l }) => isConv(l));
  if (convs.length === 0) throw new ExplainError(`${loaded.dir}: the model has no convolution layer to show`);
  const chosen = opts.layer === undefined ? convs : convs.filter(({ l }) => l.name === opts.layer);
  if (chosen.length === 0) throw new ExplainError(`${loaded.dir}: no conv layer '${opts.layer}' (conv layers: ${convs.map(({ l }) => l.name).join(', ')})`);
  const steps = opts.steps ?? FILTER_DEFAULTS.steps;
  const stepSize = opts.stepSize ?? FILTER_DEFAULTS.stepSize;
  const chunk = opts.chunk ?? FILTER_DEFAULTS.chunk;
  const [h, w, c] = loaded.metadata.inputShape;
  const rand = seedrandom(`toonvision-filters:${opts.seed ?? FILTER_DEFAULTS.seed}`);
  // One noisy grey start for every filter (Chollet: uniform 0.4-0.6, here in the models' 0-255 input).
  const start = Float32Array.from({ length: h * w * c }, () => 255 * (0.4 + 0.2 * rand()));
  return chosen.map(({ l, i }) => {
    const trunk = layers.slice(0, i + 1);
    const [, oh, ow, k] = l.outputShape as number[];
    const patterns: Uint8Array[] = [];
    const activation: number[] = [];
    for (let f0 = 0; f0 < k!; f0 += chunk) {
      const n = Math.min(chunk, k! - f0);
      const [img, act] = tf.tidy(() => {
        // mask[j, 0, 0, f0 + j] = 1: image j of the batch is scored on filter f0 + j only
        const mask = tf.oneHot(tf.range(f0, f0 + n, 1, 'int32'), k!).reshape([n, 1, 1, k!]);
        const score = (x: Tensor): Tensor => {
          const a = trunk.reduce((t, layer) => layer.apply(t, { training: false }) as Tensor, x);
          return tf.sum(tf.mul(a, mask), -1).mean([1, 2]);
        };
        const gradOf = tf.grad((x: Tensor) => score(x).sum());
        let x: Tensor = tf.tensor4d(start, [1, h, w, c]).tile([n, 1, 1, 1]);
        for (let s = 0; s < steps; s++) {
          const next = tf.tidy(() => {
            const g = gradOf(x) as Tensor4D;
            const rms = tf.sqrt(tf.mean(tf.square(g), [1, 2, 3], true));
            return tf.add(x, tf.mul(tf.div(g, tf.add(rms, 1e-12)), stepSize));
          });
          x.dispose();
          x = next;
        }
        return [x, score(x)];
      });
      const data = img.dataSync() as Float32Array;
      const scores = act.dataSync();
      tf.dispose([img, act]);
      for (let j = 0; j < n; j++) {
        patterns.push(displayPattern(data.subarray(j * h * w * c, (j + 1) * h * w * c)));
        activation.push(scores[j]!);
      }
    }
    return { layer: l.name, shape: [oh!, ow!, k!], height: h, width: w, patterns, activation };
  });
}

/** The patterns as a PNG: one titled grid per layer, each pattern a tile at the model's input aspect. */
export async function filterGrid(layers: readonly LayerPatterns[], opts: { tileHeight?: number; columns?: number } = {}): Promise<Buffer> {
  const blocks: TileBlock[] = layers.map((p) => {
    const tileH = opts.tileHeight ?? Math.max(96, Math.min(160, p.height));
    const tileW = Math.max(1, Math.round((tileH * p.width) / p.height));
    const tile = (pat: Uint8Array): Uint8Array =>
      tf.tidy(() => {
        const t = tf.tensor3d(pat, [p.height, p.width, 3], 'int32').toFloat();
        const r = tf.image.resizeBilinear(t as import('@tensorflow/tfjs').Tensor3D, [tileH, tileW], false, true);
        return Uint8Array.from(r.round().clipByValue(0, 255).dataSync());
      });
    // A filter that never fired kept the seeded noise: drawn flat, so that noise is not taken for a pattern.
    const tiles = p.patterns.map((pat, f) => (p.activation[f]! <= 0 ? new Uint8Array(tileW * tileH * 3).fill(56) : tile(pat)));
    const dead = p.activation.filter((a) => a <= 0).length;
    return { title: `${p.layer}: ${p.shape[2]} filters (output ${p.shape[0]}x${p.shape[1]})${dead ? `, ${dead} never fired (flat grey)` : ''}`, tileW, tileH, tiles };
  });
  return tileSheet(blocks, { columns: opts.columns ?? 16 });
}
