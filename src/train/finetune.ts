// retrain's classifiers learn from the player's crops in addition to what they know: the model the
// agent runs is fine-tuned (its output layer, on the features its trunk computes) on the player's
// crops together with crops of synthetic scenes (or rendered ones: any extra data root), and judged by
// cross-validation over the player's screenshots, grouped so that the boxes of one screenshot are
// never on both sides. Only the output layer moves: the trunk's features are computed once per crop,
// so the K folds of the judgement cost seconds, not K trainings of the whole network on 2 cores.
import path from 'node:path';
import seedrandom from 'seedrandom';
import type { LayersModel, Tensor, Tensor2D } from '@tensorflow/tfjs';
import { initEngine, tf } from '../engine/index.ts';
import type { RgbImage } from '../image.ts';
import { cropImage } from '../image.ts';
import { cropToTensor } from '../model/preprocess.ts';
import { loadModelFolder, saveModelFolder, type ModelMetadata } from '../model/folder.ts';
import type { DetectorScene } from '../detect/evaluate.ts';
import { classForTask, parseAnyLabel, TASK_CLASSES, type ClassifierTask } from '../taxonomy.ts';
import { shuffleInPlace } from '../shuffle.ts';
import { foldSpread } from '../detect/rescore-eval.ts';
import { loadImages, type Example } from './data.ts';
import type { EpochRecord } from './trainer.ts';
import { epochLine } from './progress.ts';

/** One of the player's boxes for a task: its pixels, class and the screenshot (group) it comes from. */
export interface PlayerCrop {
  group: string;
  cls: string;
  y: number;
  image: RgbImage;
}

/** The fine-tuning recipe (README, "Retraining": measured on the real-eval screenshots). */
export const FINETUNE = {
  /** Adam's learning rate on the output layer */
  learningRate: 1e-3,
  /** optimizer steps (batches of batchSize), whatever the number of crops */
  steps: 300,
  batchSize: 64,
  /** L2 pull of the output layer towards the current one's (per weight, on the mean loss) */
  pull: 1e-3,
  /** the player's crops (and their mirror images) make about this share of every epoch */
  playerShare: 1 / 3,
  /** at most this many extra (synthetic) crops per task: the features of each are computed once */
  maxExtra: 1500,
} as const;

/** The player's boxes of a task, from labelled screenshots (difficult ones left out), grouped by screenshot. */
export function playerCropsFromScenes(scenes: readonly DetectorScene[], task: ClassifierTask): PlayerCrop[] {
  const classes = TASK_CLASSES[task];
  const out: PlayerCrop[] = [];
  for (const s of scenes) {
    const group = path.basename(s.file ?? '');
    for (const o of s.objects) {
      if (o.difficult) continue;
      let cls: string | undefined;
      try {
        cls = classForTask(task, parseAnyLabel(o.label));
      } catch {
        cls = undefined;
      }
      if (cls === undefined) continue;
      const w = o.box.xmax - o.box.xmin;
      const h = o.box.ymax - o.box.ymin;
      if (w < 2 || h < 2) continue;
      out.push({ group, cls, y: classes.indexOf(cls), image: cropImage(s.image, o.box) });
    }
  }
  return out;
}

/** The output layer and the trunk of a classifier: what fine-tuning changes and what it keeps. */
interface Parts {
  model: LayersModel;
  metadata: ModelMetadata;
  trunk: LayersModel;
  kernel: Tensor2D;
  bias: Tensor;
  binary: boolean;
}

async function loadParts(dir: string, task: ClassifierTask): Promise<Parts> {
  await initEngine();
  const loaded = await loadModelFolder(dir, task, { session: false });
  const model = loaded.model;
  const head = model.layers[model.layers.length - 1]!;
  if (head.getClassName() !== 'Dense' || head.getWeights().length !== 2) {
    model.dispose();
    throw new Error(`${dir}: its last layer is ${head.getClassName()}, not a dense output layer: cannot fine-tune it`);
  }
  const trunk = tf.model({ inputs: model.inputs, outputs: head.input as import('@tensorflow/tfjs').SymbolicTensor });
  const [kernel, bias] = head.getWeights() as [Tensor2D, Tensor];
  return { model, metadata: loaded.metadata, trunk, kernel: kernel.clone(), bias: bias.clone(), binary: task === 'binary' };
}

function disposeParts(p: Parts): void {
  p.kernel.dispose();
  p.bias.dispose();
  p.model.dispose();
}

/** Trunk features of images (and, with `mirror`, of their mirror images after them), in batches. */
async function featuresOf(trunk: LayersModel, images: readonly RgbImage[], inputShape: readonly number[], mirror = false): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const flipped: Float32Array[] = [];
  for (let i = 0; i < images.length; i += 64) {
    const batch = images.slice(i, i + 64);
    const [f, m] = tf.tidy(() => {
      const x = tf.stack(batch.map((img) => cropToTensor(img, undefined, inputShape))) as import('@tensorflow/tfjs').Tensor4D;
      const f = trunk.predict(x) as Tensor;
      const m = mirror ? (trunk.predict(tf.reverse(x, 2)) as Tensor) : undefined;
      return [f, m] as const;
    });
    const rows = (await f.array()) as number[][];
    out.push(...rows.map((r) => Float32Array.from(r)));
    f.dispose();
    if (m) {
      flipped.push(...((await m.array()) as number[][]).map((r) => Float32Array.from(r)));
      m.dispose();
    }
  }
  return [...out, ...flipped];
}

async function featuresOfFiles(trunk: LayersModel, files: readonly string[], inputShape: readonly number[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < files.length; i += 128) {
    const x = await loadImages(files.slice(i, i + 128), inputShape);
    const f = trunk.predict(x) as Tensor;
    out.push(...((await f.array()) as number[][]).map((r) => Float32Array.from(r)));
    f.dispose();
    x.dispose();
  }
  return out;
}

interface Row {
  x: Float32Array;
  y: number;
}

/**
 * Fits the output layer on `rows` from the current one's weights; returns the new kernel and bias.
 * FINETUNE.steps optimizer steps, or `epochs` passes over the rows when given; `onEpoch` hears each pass.
 */
function fitHead(p: Parts, rows: readonly Row[], classes: number, seed: string, epochs?: number, onEpoch?: (r: EpochRecord, epochs: number) => void): { kernel: Tensor2D; bias: Tensor } {
  const rand = seedrandom(`toonvision-finetune:${seed}`);
  const counts = new Array<number>(classes).fill(0);
  for (const r of rows) counts[r.y]!++;
  const present = counts.filter((c) => c > 0).length;
  const classWeight = counts.map((c) => (c > 0 ? rows.length / (present * c) : 0));
  const kernel = tf.variable(p.kernel.clone());
  const bias = tf.variable(p.bias.clone());
  const opt = tf.train.adam(FINETUNE.learningRate);
  const dim = rows[0]!.x.length;
  try {
    let step = 0;
    const perEpoch = Math.ceil(rows.length / FINETUNE.batchSize);
    const total = epochs ? epochs * perEpoch : FINETUNE.steps;
    const passes = Math.ceil(total / perEpoch);
    for (let e = 0; step < total; e++) {
      const t0 = Date.now();
      let lossSum = 0;
      let batches = 0;
      const order = shuffleInPlace(rows.map((_, i) => i), rand);
      for (let b = 0; b < order.length && step < total; b += FINETUNE.batchSize, step++) {
        const idx = order.slice(b, b + FINETUNE.batchSize);
        const xb = new Float32Array(idx.length * dim);
        idx.forEach((r, j) => xb.set(rows[r]!.x, j * dim));
        const ys = idx.map((r) => rows[r]!.y);
        const ws = idx.map((r) => classWeight[rows[r]!.y]!);
        tf.tidy(() => {
          const x = tf.tensor2d(xb, [idx.length, dim]);
          const w = tf.tensor1d(ws);
          const cost = opt.minimize(() => {
            const logits = x.matMul(kernel).add(bias);
            const ce = p.binary
              ? tf.losses.sigmoidCrossEntropy(tf.tensor2d(ys, [ys.length, 1]), logits, w.reshape([-1, 1]) as Tensor, 0, tf.Reduction.SUM_BY_NONZERO_WEIGHTS)
              : tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(ys, 'int32'), classes), logits, w, 0, tf.Reduction.SUM_BY_NONZERO_WEIGHTS);
            return ce.add(kernel.sub(p.kernel).square().sum().mul(FINETUNE.pull)) as import('@tensorflow/tfjs').Scalar;
          }, true, [kernel, bias]);
          if (onEpoch && cost) lossSum += cost.dataSync()[0]!;
        });
        batches++;
      }
      onEpoch?.({ epoch: e + 1, loss: batches ? lossSum / batches : NaN, accuracy: NaN, lr: FINETUNE.learningRate, seconds: (Date.now() - t0) / 1000 }, passes);
    }
    // The pre-activation of the output layer is logits; the model's own activation (sigmoid or softmax) stays.
    return { kernel: kernel.clone() as Tensor2D, bias: bias.clone() };
  } finally {
    kernel.dispose();
    bias.dispose();
    opt.dispose();
  }
}

/** The class the output layer `kernel`/`bias` gives each feature row, and the cross-entropy of the true class `ys`. */
function predictHead(kernel: Tensor2D, bias: Tensor, xs: readonly Float32Array[], ys: readonly number[], binary: boolean): { pred: number[]; loss: number[] } {
  if (xs.length === 0) return { pred: [], loss: [] };
  const dim = xs[0]!.length;
  const buf = new Float32Array(xs.length * dim);
  xs.forEach((x, i) => buf.set(x, i * dim));
  return tf.tidy(() => {
    const logits = tf.tensor2d(buf, [xs.length, dim]).matMul(kernel).add(bias);
    if (binary) {
      const p = Array.from(tf.sigmoid(logits).dataSync());
      return { pred: p.map((v) => (v > 0.5 ? 1 : 0)), loss: p.map((v, i) => -Math.log(Math.min(1 - 1e-7, Math.max(1e-7, ys[i] ? v : 1 - v)))) };
    }
    const probs = tf.softmax(logits).arraySync() as number[][];
    return { pred: probs.map((r) => r.indexOf(Math.max(...r))), loss: probs.map((r, i) => -Math.log(Math.max(1e-7, r[ys[i]!]!))) };
  });
}

export interface FineTuneFold {
  /** screenshots (groups) held out */
  screenshots: number;
  boxes: number;
  /** correct answers on them: the fine-tuned model's and the current one's */
  newCorrect: number;
  currentCorrect: number;
}

export interface FineTuneJudgement {
  folds: FineTuneFold[];
  boxes: number;
  screenshots: number;
  newAccuracy: number;
  currentAccuracy: number;
  /** mean cross-entropy on the held-out boxes */
  newLoss: number;
  currentLoss: number;
  /** newAccuracy - currentAccuracy */
  margin: number;
  /** standard error of the per-fold accuracy differences (foldSpread) */
  spread: number;
  /** per class of the task: the held-out boxes, and how many each model got right */
  perClass: Record<string, { boxes: number; newCorrect: number; currentCorrect: number }>;
}

export interface FineTuneOptions {
  /** the model folder the agent runs for the task */
  current: string;
  task: ClassifierTask;
  /** the player's boxes; those whose group is in `seen` train but are never judged */
  crops: readonly PlayerCrop[];
  seen?: ReadonlySet<string>;
  /** crops of extra data roots (synthetic or rendered scenes): training only */
  extra?: readonly Example[];
  folds?: number;
  seed?: number;
  /** passes over the training rows of every fit (default: FINETUNE.steps optimizer steps) */
  epochs?: number;
  log?: (line: string) => void;
  /** hears each pass of each fit (else, with `log`, an epoch line is logged): retrain's progress events */
  onEpoch?: (r: EpochRecord, epochs: number) => void;
}

/** How many times the player's rows count so that they make FINETUNE.playerShare of the training rows. */
function playerRepeat(player: number, extra: number): number {
  if (player === 0) return 1;
  return Math.max(1, Math.round((FINETUNE.playerShare * extra) / ((1 - FINETUNE.playerShare) * player)));
}

/**
 * Judges fine-tuning by K-fold cross-validation over the screenshots the current model has not seen
 * (each fold: fine-tuned on the other folds' crops, the seen ones and the extra ones; scored with the
 * current model on its held-out boxes), then fine-tunes on every crop into the model folder `out`
 * (written, not installed) when `decide` accepts the judgement (or is not given).
 */
export async function fineTuneClassifier(opts: FineTuneOptions & { out?: string; decide?: (j: FineTuneJudgement) => boolean; notes?: Record<string, unknown> }): Promise<{ judgement: FineTuneJudgement; written: boolean }> {
  const { task } = opts;
  const classes = TASK_CLASSES[task].length;
  const p = await loadParts(opts.current, task);
  try {
    const shape = p.metadata.inputShape;
    const seen = opts.seen ?? new Set<string>();
    const judged = opts.crops.filter((c) => !seen.has(c.group));
    const known = opts.crops.filter((c) => seen.has(c.group));
    opts.log?.(`  features of ${opts.crops.length} of your crops and ${Math.min(opts.extra?.length ?? 0, FINETUNE.maxExtra)} synthetic ones through ${opts.current}`);
    const rand = seedrandom(`toonvision-finetune-extra:${opts.seed ?? 1}`);
    const extra = shuffleInPlace([...(opts.extra ?? [])], rand).slice(0, FINETUNE.maxExtra);
    const extraRows: Row[] = (await featuresOfFiles(p.trunk, extra.map((e) => e.file), shape)).map((x, i) => ({ x, y: extra[i]!.y }));
    const featsOf = async (crops: readonly PlayerCrop[]) => {
      const f = await featuresOf(p.trunk, crops.map((c) => c.image), shape, true);
      // [plain..., mirrored...]: row i and i + n are one crop.
      return crops.map((c, i) => ({ plain: f[i]!, mirrored: f[i + crops.length]!, y: c.y, group: c.group }));
    };
    const judgedF = await featsOf(judged);
    const knownF = await featsOf(known);
    const rowsOf = (fs: typeof judgedF): Row[] => fs.flatMap((f) => [{ x: f.plain, y: f.y }, { x: f.mirrored, y: f.y }]);
    const trainRows = (player: typeof judgedF): Row[] => {
      const own = rowsOf(player);
      const times = playerRepeat(own.length, extraRows.length);
      return [...Array.from({ length: times }, () => own).flat(), ...extraRows];
    };
    const current = predictHead(p.kernel, p.bias, judgedF.map((f) => f.plain), judgedF.map((f) => f.y), p.binary);
    const currentPred = current.pred;
    const onEpoch = opts.onEpoch ?? (opts.log ? (r: EpochRecord, epochs: number) => opts.log!(epochLine(r, epochs)) : undefined);
    let newLoss = 0;
    // Folds by screenshot: the groups shuffled, dealt round-robin.
    const groups = shuffleInPlace([...new Set(judged.map((c) => c.group))].sort(), seedrandom(`toonvision-finetune-folds:${opts.seed ?? 1}`));
    const k = Math.min(opts.folds ?? 5, groups.length);
    const foldOf = new Map(groups.map((g, i) => [g, i % k]));
    const folds: FineTuneFold[] = [];
    const perClass: FineTuneJudgement['perClass'] = {};
    for (const c of TASK_CLASSES[task]) perClass[c] = { boxes: 0, newCorrect: 0, currentCorrect: 0 };
    let newCorrect = 0;
    let currentCorrect = 0;
    for (let f = 0; f < k; f++) {
      const test = judgedF.map((x, i) => i).filter((i) => foldOf.get(judgedF[i]!.group) === f);
      const train = [...judgedF.filter((x) => foldOf.get(x.group) !== f), ...knownF];
      opts.log?.(`  fold ${f + 1}/${k}: fine-tuned without ${groups.filter((g) => foldOf.get(g) === f).length} of your screenshots, scored on them`);
      const head = fitHead(p, trainRows(train), classes, `${opts.seed ?? 1}:${f}`, opts.epochs, onEpoch);
      const scored = predictHead(head.kernel, head.bias, test.map((i) => judgedF[i]!.plain), test.map((i) => judgedF[i]!.y), p.binary);
      const pred = scored.pred;
      newLoss += scored.loss.reduce((a, b) => a + b, 0);
      head.kernel.dispose();
      head.bias.dispose();
      const fold: FineTuneFold = { screenshots: groups.filter((g) => foldOf.get(g) === f).length, boxes: test.length, newCorrect: 0, currentCorrect: 0 };
      test.forEach((i, j) => {
        const y = judgedF[i]!.y;
        const pc = perClass[TASK_CLASSES[task][y]!]!;
        pc.boxes++;
        if (pred[j] === y) (fold.newCorrect++, pc.newCorrect++);
        if (currentPred[i] === y) (fold.currentCorrect++, pc.currentCorrect++);
      });
      newCorrect += fold.newCorrect;
      currentCorrect += fold.currentCorrect;
      folds.push(fold);
    }
    const n = judgedF.length;
    const judgement: FineTuneJudgement = {
      folds,
      boxes: n,
      screenshots: groups.length,
      newAccuracy: n ? newCorrect / n : 0,
      currentAccuracy: n ? currentCorrect / n : 0,
      newLoss: n ? newLoss / n : 0,
      currentLoss: n ? current.loss.reduce((a, b) => a + b, 0) / n : 0,
      margin: n ? (newCorrect - currentCorrect) / n : 0,
      spread: foldSpread(folds.filter((f) => f.boxes > 0).map((f) => (f.newCorrect - f.currentCorrect) / f.boxes)),
      perClass: Object.fromEntries(Object.entries(perClass).filter(([, v]) => v.boxes > 0)),
    };
    if (!opts.out || (opts.decide && !opts.decide(judgement))) return { judgement, written: false };
    opts.log?.(`  fine-tuning on all ${opts.crops.length} of your crops`);
    const head = fitHead(p, trainRows([...judgedF, ...knownF]), classes, `${opts.seed ?? 1}:all`, opts.epochs, onEpoch);
    try {
      const layer = p.model.layers[p.model.layers.length - 1]!;
      layer.setWeights([head.kernel, head.bias]);
      const allSeen = [...new Set([...seen, ...opts.crops.map((c) => c.group)])].sort();
      const meta: ModelMetadata = {
        ...p.metadata,
        createdAt: new Date().toISOString(),
        fineTuned: { from: opts.current, crops: opts.crops.length, screenshots: new Set(opts.crops.map((c) => c.group)).size, extraCrops: extra.length, seen: allSeen, ...FINETUNE, ...(opts.notes ?? {}) },
      } as ModelMetadata;
      delete (meta as { onnx?: unknown }).onnx;
      await saveModelFolder(opts.out, p.model, meta);
    } finally {
      head.kernel.dispose();
      head.bias.dispose();
    }
    return { judgement, written: true };
  } finally {
    disposeParts(p);
  }
}

/** The screenshots (groups) a classifier folder has been fine-tuned on: its metadata's fineTuned.seen. */
export function seenByClassifier(metadata: ModelMetadata): Set<string> {
  const seen = (metadata as { fineTuned?: { seen?: unknown } }).fineTuned?.seen;
  return new Set(Array.isArray(seen) ? seen.filter((s): s is string => typeof s === 'string') : []);
}
