// The detector network: a small CenterNet-style single-shot net for real time on a CPU.
// The frame is resized to the input (default 256x192, 4:3 like an 800x600 game window), a small
// strided conv backbone with a two-level top-down path yields a stride-4 feature map, and one
// output tensor [H/4, W/4, 6] carries, per cell: 2 centre-heatmap logits (cog, toon), the box size
// as log(w/stride), log(h/stride), and the sub-cell centre offset (x, y) in cells.
import { tf } from '../engine/index.ts';
import type { SymbolicTensor, LayersModel } from '@tensorflow/tfjs';

export const DETECTOR_CLASSES = ['cog', 'toon'] as const;
export type DetectorClass = (typeof DETECTOR_CLASSES)[number];

/** Output channels: heatmap logits per class, then log-size (w, h), then offset (x, y). */
export const OUT_CHANNELS = DETECTOR_CLASSES.length + 4;

export interface DetectorArch {
  /** [height, width, 3] of the network input. */
  inputShape: [number, number, number];
  /** Output stride (fixed by the architecture). */
  stride: 4;
  /** Base channel count; the backbone widens to 4x this. */
  width: number;
}

export const DEFAULT_ARCH: DetectorArch = { inputShape: [192, 256, 3], stride: 4, width: 16 };

/** Prior probability of an object centre at a cell: the heatmap bias starts at logit(prior). */
const HEATMAP_PRIOR = 0.05;

let seedCounter: number | undefined;

function init(): ReturnType<typeof tf.initializers.heNormal> {
  return tf.initializers.heNormal(seedCounter === undefined ? {} : { seed: seedCounter++ });
}

function conv(t: SymbolicTensor, filters: number, strides = 1, kernelSize = 3): SymbolicTensor {
  return tf.layers
    .conv2d({ filters, kernelSize, strides, padding: 'same', activation: 'relu', kernelInitializer: init() })
    .apply(t) as SymbolicTensor;
}

/** Builds the (untrained) detector. Every layer runs forward on the wasm backend. */
export function makeDetector(arch: DetectorArch = DEFAULT_ARCH, seed?: number): LayersModel {
  seedCounter = seed;
  const [h, w] = arch.inputShape;
  if (h % 16 !== 0 || w % 16 !== 0) throw new RangeError(`detector input ${w}x${h} must be a multiple of 16 on both sides`);
  const c = arch.width;
  const input = tf.input({ shape: arch.inputShape, name: 'frame' });
  let x = tf.layers.rescaling({ scale: 1 / 255, name: 'rescale' }).apply(input) as SymbolicTensor;
  x = conv(x, c, 2); // stride 2
  x = conv(x, 2 * c, 2); // stride 4
  const s4 = conv(x, 2 * c);
  x = conv(s4, 4 * c, 2); // stride 8
  const s8 = conv(x, 4 * c);
  x = conv(s8, 4 * c, 2); // stride 16
  x = conv(x, 4 * c);
  const s16 = conv(x, 4 * c);
  // Top-down: stride 16 -> 8 -> 4, adding lateral features.
  let p = tf.layers.upSampling2d({ size: [2, 2] }).apply(conv(s16, 4 * c, 1, 1)) as SymbolicTensor;
  p = tf.layers.add().apply([p, s8]) as SymbolicTensor;
  p = conv(p, 4 * c);
  p = tf.layers.upSampling2d({ size: [2, 2] }).apply(conv(p, 2 * c, 1, 1)) as SymbolicTensor;
  p = tf.layers.add().apply([p, s4]) as SymbolicTensor;
  p = conv(p, 2 * c);
  const heat = tf.layers
    .conv2d({
      filters: DETECTOR_CLASSES.length,
      kernelSize: 1,
      name: 'heatmap',
      kernelInitializer: init(),
      biasInitializer: tf.initializers.constant({ value: Math.log(HEATMAP_PRIOR / (1 - HEATMAP_PRIOR)) }),
    })
    .apply(p) as SymbolicTensor;
  const size = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'size', kernelInitializer: init() }).apply(p) as SymbolicTensor;
  const offset = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'offset', kernelInitializer: init() }).apply(p) as SymbolicTensor;
  const out = tf.layers.concatenate({ axis: -1, name: 'detections' }).apply([heat, size, offset]) as SymbolicTensor;
  seedCounter = undefined;
  return tf.model({ inputs: input, outputs: out, name: 'detector_centernet' });
}
