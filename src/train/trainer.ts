// One training run: build the network of a preset, fit it on pre-batched crops with the article's
// optimizations (augmentation of training batches, dropout, Adam with a decaying learning rate: Keras'
// legacy lr / (1 + decay * iterations) for the article's preset, warm-up + cosine for the fast one) or
// none of them (--baseline), with balanced class weights.
import seedrandom from 'seedrandom';
import { shuffled } from '../shuffle.ts';
import { tf } from '../engine/index.ts';
import type { Preset } from '../model/architectures.ts';
import { makeClassifier, PRESET_INPUT } from '../model/architectures.ts';
import type { ClassifierTask } from '../taxonomy.ts';
import type { AugmentOptions } from './augment.ts';
import { ARTICLE_AUGMENTATION, augmentBatch, FINE_AUGMENTATION, NO_AUGMENTATION } from './augment.ts';
import type { LayersModel, Tensor, Tensor4D } from '@tensorflow/tfjs';
import { decayedRate, warmupCosine, warmupSteps } from './schedule.ts';
import type { OptimizerName } from './optimizers.ts';
import { makeOptimizer } from './optimizers.ts';

export interface TrainConfig {
  task: ClassifierTask;
  preset: Preset;
  baseline: boolean;
  inputShape: [number, number, number];
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** tf.train optimizer (default adam, the article's choice; --compare-optimizers tries the others) */
  optimizer: OptimizerName;
  /**
   * How the learning rate falls: 'time' is Keras' legacy decay lr / (1 + decay * iterations) (the
   * article's); 'cosine' warms up linearly, then follows a cosine from learningRate to 5% of it at the
   * last step. The baseline keeps the rate constant.
   */
  schedule: 'time' | 'cosine';
  /** the 'time' schedule's decay per iteration; 0 for none */
  decay: number;
  /** dropout rate before the output layer; 0 for none */
  dropout: number;
  augment: AugmentOptions;
  /** balanced class weights n / (k * n_c) */
  classWeights: boolean;
}

/**
 * Optimized settings per preset. `seed` is the article's (its augmentation, dropout 0.9, Keras' time
 * decay 1e-5, 25 epochs). `fast` (96x48, four 'same' conv blocks) uses Adam 1e-3 with a warm-up and a
 * cosine decay to 5% over the run, dropout 0.25 and a lighter augmentation (flip + zoom 0.1, no
 * rotation): the article's rotation and dropout 0.5 underfit the fine-grained name and animal tasks
 * (README, "Classifier accuracy"). Its epochs default to fastEpochs() of the training set; 15 if unknown.
 */
export const PRESET_TRAINING: Record<Preset, { epochs: number; batchSize: number; dropout: number; schedule: TrainConfig['schedule']; decay: number; augment: AugmentOptions }> = {
  seed: { epochs: 25, batchSize: 32, dropout: 0.9, schedule: 'time', decay: 1e-5, augment: ARTICLE_AUGMENTATION },
  fast: { epochs: 15, batchSize: 32, dropout: 0.25, schedule: 'cosine', decay: 0, augment: FINE_AUGMENTATION },
};

/**
 * Default training length of the fast preset, in optimizer steps (batches of 32) per task; the epochs
 * follow from the number of training crops, so a small capture session and the 1,600-scene benchmark
 * both get a sensible schedule. Name (32 classes) and animal (11) need more steps than binary and suit.
 * Measured on an unseen synthetic seed (README, "Classifier accuracy"): 1,600 training scenes give name
 * and animal ~3,650 crops, so 2,900 steps are 25 epochs (~12 min on one core); binary and suit have
 * ~7,300 crops, so 1,200 steps are 5 epochs.
 */
export const FAST_STEPS: Record<ClassifierTask, number> = { binary: 1200, suit: 1200, name: 2900, animal: 2900 };
/** Bounds of the fast preset's default epochs (tiny sets would otherwise loop hundreds of times). */
export const FAST_EPOCH_RANGE = { min: 4, max: 60 } as const;

/** The fast preset's default epochs for a task and a number of training crops. */
export function fastEpochs(task: ClassifierTask, trainCrops: number, batchSize = 32): number {
  const batches = Math.max(1, Math.ceil(trainCrops / batchSize));
  return Math.min(FAST_EPOCH_RANGE.max, Math.max(FAST_EPOCH_RANGE.min, Math.round(FAST_STEPS[task] / batches)));
}

export function trainConfig(
  task: ClassifierTask,
  preset: Preset,
  baseline: boolean,
  overrides: Partial<Pick<TrainConfig, 'epochs' | 'batchSize' | 'inputShape' | 'dropout' | 'decay' | 'learningRate' | 'optimizer'> & { trainCrops: number }> = {},
): TrainConfig {
  const p = PRESET_TRAINING[preset];
  return {
    task,
    preset,
    baseline,
    inputShape: overrides.inputShape ?? PRESET_INPUT[preset],
    epochs: overrides.epochs ?? (preset === 'fast' && overrides.trainCrops !== undefined ? fastEpochs(task, overrides.trainCrops, overrides.batchSize ?? p.batchSize) : p.epochs),
    batchSize: overrides.batchSize ?? p.batchSize,
    learningRate: overrides.learningRate ?? 1e-3,
    optimizer: overrides.optimizer ?? 'adam',
    schedule: p.schedule,
    decay: baseline ? 0 : (overrides.decay ?? p.decay),
    dropout: baseline ? 0 : (overrides.dropout ?? p.dropout),
    augment: baseline ? NO_AUGMENTATION : p.augment,
    classWeights: true,
  };
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** learning rate at the end of the epoch */
  lr: number;
  seconds: number;
}

export interface BatchInfo {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
}

export interface TrainReporter {
  onBatch?(info: BatchInfo): void;
  onEpoch?(record: EpochRecord, epochs: number): void;
}

/** Rows of a pooled tensor set: training data is gathered batch by batch, never copied whole. */
export interface Pool {
  x: Tensor4D;
  y: Tensor;
}

export interface TrainInput {
  pool: Pool;
  train: number[];
  validate: number[];
  /** class index of each pooled row (for class weights) */
  classOf: number[];
  numClasses: number;
}

export function balancedWeights(rows: readonly number[], classOf: readonly number[], numClasses: number): Record<number, number> {
  const counts = new Array<number>(numClasses).fill(0);
  for (const r of rows) counts[classOf[r]!]!++;
  const present = counts.filter((c) => c > 0).length;
  const out: Record<number, number> = {};
  counts.forEach((c, i) => {
    out[i] = c > 0 ? rows.length / (present * c) : 1;
  });
  return out;
}

/** Trains one network; `seed` makes weight initialisation, dropout, shuffling and augmentation reproducible. */
export async function trainOnce(cfg: TrainConfig, input: TrainInput, seed: number, reporter: TrainReporter = {}): Promise<{ model: LayersModel; history: EpochRecord[] }> {
  if (input.train.length === 0) throw new Error('no training crops');
  const savedRandom = Math.random;
  seedrandom(`toonvision:${seed}:init`, { global: true });
  const rand = seedrandom(`toonvision:${seed}:data`);
  let model: LayersModel;
  try {
    model = makeClassifier({ task: cfg.task, preset: cfg.preset, dropout: cfg.dropout, inputShape: cfg.inputShape });
    const optimizer = makeOptimizer(cfg.optimizer, cfg.learningRate);
    model.compile({
      optimizer,
      loss: cfg.task === 'binary' ? 'binaryCrossentropy' : 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const batches = Math.ceil(input.train.length / cfg.batchSize);
    const { pool } = input;
    const dataset = tf.data.generator(function* () {
      const order = shuffled(input.train, rand);
      for (let b = 0; b < batches; b++) {
        const rows = order.slice(b * cfg.batchSize, (b + 1) * cfg.batchSize);
        const idx = tf.tensor1d(rows, 'int32');
        const raw = tf.gather(pool.x, idx) as Tensor4D;
        const xs = augmentBatch(raw, cfg.augment, rand);
        const ys = tf.gather(pool.y, idx);
        idx.dispose();
        raw.dispose();
        yield { xs, ys };
      }
    });
    let validation: [Tensor, Tensor] | undefined;
    if (input.validate.length > 0) {
      const idx = tf.tensor1d(input.validate, 'int32');
      validation = [tf.gather(pool.x, idx), tf.gather(pool.y, idx)];
      idx.dispose();
    }
    let iterations = 0;
    let epochStart = Date.now();
    let epochIndex = 0;
    const history: EpochRecord[] = [];
    const steps = batches * cfg.epochs;
    const lrNow = () => {
      if (cfg.baseline) return cfg.learningRate;
      if (cfg.schedule === 'cosine') return warmupCosine(cfg.learningRate, iterations, warmupSteps(steps), iterations / steps);
      return cfg.decay > 0 ? decayedRate(cfg.learningRate, cfg.decay, iterations) : cfg.learningRate;
    };
    try {
      await model.fitDataset(dataset, {
        epochs: cfg.epochs,
        verbose: 0,
        validationData: validation,
        classWeight: cfg.classWeights ? balancedWeights(input.train, input.classOf, input.numClasses) : undefined,
        callbacks: {
          onEpochBegin: async (epoch: number) => {
            epochIndex = epoch;
            epochStart = Date.now();
          },
          onBatchBegin: async () => {
            (optimizer as unknown as { learningRate: number }).learningRate = lrNow();
          },
          onBatchEnd: async (batch: number, logs?: Record<string, number>) => {
            iterations++;
            reporter.onBatch?.({
              epoch: epochIndex,
              epochs: cfg.epochs,
              batch,
              batches,
              loss: Number(logs?.loss ?? NaN),
              accuracy: Number(logs?.acc ?? logs?.accuracy ?? NaN),
            });
          },
          onEpochEnd: async (epoch: number, logs?: Record<string, number>) => {
            const rec: EpochRecord = {
              epoch: epoch + 1,
              loss: Number(logs?.loss ?? NaN),
              accuracy: Number(logs?.acc ?? logs?.accuracy ?? NaN),
              ...(validation ? { valLoss: Number(logs?.val_loss ?? NaN), valAccuracy: Number(logs?.val_acc ?? logs?.val_accuracy ?? NaN) } : {}),
              lr: lrNow(),
              seconds: (Date.now() - epochStart) / 1000,
            };
            history.push(rec);
            reporter.onEpoch?.(rec, cfg.epochs);
          },
        },
      });
    } finally {
      if (validation) tf.dispose(validation);
    }
    return { model, history };
  } finally {
    Math.random = savedRandom;
  }
}
