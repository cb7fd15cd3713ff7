// The classifier networks. `seed` is the article's CNN exactly; `fast` is sized for real-time CPU use.
// Every task shares the trunk; only the output layer differs (1 sigmoid for binary, softmax otherwise).
import { tf } from '../engine/index.ts';
import type { ClassifierTask } from '../taxonomy.ts';
import { TASK_CLASSES } from '../taxonomy.ts';

export const PRESETS = ['seed', 'fast'] as const;
export type Preset = (typeof PRESETS)[number];

/** Input [height, width, 3] per preset. */
export const PRESET_INPUT: Record<Preset, [number, number, number]> = {
  seed: [600, 200, 3],
  fast: [96, 48, 3],
};

export interface ArchOptions {
  task: ClassifierTask;
  preset: Preset;
  /** Dropout rate before the output layer; 0 for none (the baseline). The article's optimized model uses 0.9. */
  dropout: number;
  /** Override the preset's input shape. */
  inputShape?: [number, number, number];
  name?: string;
}

/** Output units: 1 (sigmoid, P(toon)) for binary, one per class otherwise. */
export function outputUnits(task: ClassifierTask): number {
  return task === 'binary' ? 1 : TASK_CLASSES[task].length;
}

/**
 * The article's `make_model()`: Rescaling(1/255), MaxPool 2, Conv16, Pool, Conv32, Pool, Conv32, Pool,
 * Flatten, Dropout, Dense. For binary at 600x200x3: 25,537 parameters.
 */
function seedTrunk(input: import('@tensorflow/tfjs').SymbolicTensor): import('@tensorflow/tfjs').SymbolicTensor {
  let x = tf.layers.rescaling({ scale: 1 / 255 }).apply(input) as import('@tensorflow/tfjs').SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
  for (const filters of [16, 32, 32]) {
    x = tf.layers.conv2d({ filters, kernelSize: 3, activation: 'relu' }).apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
  }
  return tf.layers.flatten().apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
}

/** Filters of the fast trunk's 'same' 3x3 conv blocks (each followed by a 2x2 max pool). */
export const FAST_FILTERS = [16, 32, 64, 64];

/**
 * A small trunk for real-time use: no leading pool, four 'same' 3x3 convs (16, 32, 64, 64) each
 * with a 2x2 pool, flatten. Input 96x48 (the crops' ~2:1 aspect, ~61x114 on average): the Cog and
 * Toon heads that tell names and animals apart are only a handful of pixels at 64x32.
 */
function fastTrunk(input: import('@tensorflow/tfjs').SymbolicTensor): import('@tensorflow/tfjs').SymbolicTensor {
  let x = tf.layers.rescaling({ scale: 1 / 255 }).apply(input) as import('@tensorflow/tfjs').SymbolicTensor;
  for (const f of FAST_FILTERS) {
    x = tf.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
  }
  return tf.layers.flatten().apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
}

/** Builds an (uncompiled) classifier for a task and preset. */
export function makeClassifier(opts: ArchOptions): import('@tensorflow/tfjs').LayersModel {
  const shape = opts.inputShape ?? PRESET_INPUT[opts.preset];
  const input = tf.input({ shape });
  let x = opts.preset === 'seed' ? seedTrunk(input) : fastTrunk(input);
  if (opts.dropout > 0) x = tf.layers.dropout({ rate: opts.dropout }).apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
  const units = outputUnits(opts.task);
  const output = tf.layers
    .dense({ units, activation: units === 1 ? 'sigmoid' : 'softmax' })
    .apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: opts.name ?? `${opts.task}_${opts.preset}` });
}
