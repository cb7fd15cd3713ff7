// Training the detector: a custom loop (optimizer.minimize) over batches of labelled frames.
// Frames are kept downscaled in memory (1.25x the network input); each batch draws random windows
// from them with tf.image.cropAndResize (scale jitter, aspect jitter, horizontal flip through a
// mirrored box), then brightness/contrast jitter. Loss: CenterNet's penalty-reduced focal loss on
// the centre heatmap plus L1 on log-size and offset at the centre cells.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { shuffleInPlace } from '../shuffle.ts';
import type { LayersModel, Scalar, Tensor4D } from '@tensorflow/tfjs';
import { initEngine, tf } from '../engine/index.ts';
import type { RgbImage } from '../image.ts';
import { loadModelFolder, saveModelFolder, STANDARD_PREPROCESSING } from '../model/folder.ts';
import { LETTERBOX_PAD, letterboxRgbToFloat } from '../detect/resize.ts';
import { DEFAULT_DECODE, encodeTargets, type TargetBox } from '../detect/decode.ts';
import { evaluateDetector, wrapDetector, type DetectorEvaluation, type DetectorMetadata } from '../detect/detector.ts';
import { detectorClassOf, type DetectorScene } from '../detect/evaluate.ts';
import { DEFAULT_ARCH, DETECTOR_CLASSES, makeDetector, OUT_CHANNELS, type DetectorArch } from '../detect/model.ts';
import { warmupCosine, warmupSteps } from './schedule.ts';

export interface TrainDetectorOptions {
  /** Labelled frames to train on (read with loadScenes; src/train/detector-task.ts holds out a tenth of a root's). */
  scenes: DetectorScene[];
  /** Held-out frames for the final mAP (none: no evaluation). */
  evalScenes?: DetectorScene[];
  /** Folders the frames were read from (recorded in the metadata). */
  sources?: string[];
  /** Files loadScenes could not read (reported in the result). */
  skipped?: { file: string; reason: string }[];
  /** Model folder to write (model.json, weights.bin, metadata.json, history.json); omitted: not saved. */
  out?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  /** Network input [h, w, 3] (multiple of 16) and base width. */
  inputShape?: [number, number, number];
  width?: number;
  /** Train on random crops of this [h, w] (network-input pixels, multiples of 16) of each frame: the
   * network is fully convolutional, so this cuts the cost per step; default [128, 160]. */
  trainCrop?: [number, number];
  /** Random windows, flips and brightness (default on). */
  augment?: boolean;
  /** Stop after this many seconds of training; the learning-rate decay follows the clock then. */
  maxSeconds?: number;
  /** Quiet: no log lines (set by `--json` callers that print their own). */
  json?: boolean;
  log?: (message: string) => void;
  /** Called after every epoch (seconds: since training began); when given, it replaces the epoch log lines. */
  onEpoch?: (e: DetectorEpoch) => void;
  /** Start from the weights of this detector model folder (same width) instead of random ones. */
  initFrom?: string;
}

export interface TrainDetectorResult {
  task: 'detector';
  out: string | null;
  backend: string;
  scenes: number;
  objects: Record<string, number>;
  evalScenes: number;
  epochs: number;
  steps: number;
  batchSize: number;
  inputShape: [number, number, number];
  params: number;
  trainSeconds: number;
  firstLoss: number;
  finalLoss: number;
  mAP50: number | null;
  evaluation: DetectorEvaluation | null;
  history: { step: number; epoch: number; loss: number }[];
  skipped: { file: string; reason: string }[];
}

/** A frame kept for training: pixels at the store size, boxes as fractions of the frame. */
interface Stored {
  data: Uint8Array;
  boxes: { cls: number; x0: number; y0: number; x1: number; y1: number }[];
}

/** A frame letterboxed into the store size as inference letterboxes it; boxes as fractions of the store. */
function toStored(scene: DetectorScene, storeH: number, storeW: number): Stored {
  const lb = letterboxRgbToFloat(scene.image, storeH, storeW);
  // Normalise by the frame pixels the store covers, so padding sits beyond the frame's right or bottom edge.
  const width = storeW * lb.scale;
  const height = storeH * lb.scale;
  const boxes: Stored['boxes'] = [];
  for (const o of scene.objects) {
    const cls = detectorClassOf(o.label);
    if (!cls) continue;
    boxes.push({
      cls: DETECTOR_CLASSES.indexOf(cls),
      x0: o.box.xmin / width,
      y0: o.box.ymin / height,
      x1: o.box.xmax / width,
      y1: o.box.ymax / height,
    });
  }
  const data = new Uint8Array(lb.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(lb.data[i]!);
  return { data, boxes };
}

interface Window {
  /** Normalised frame coordinates of the window. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  flip: boolean;
  gain: number;
  bias: number;
}

/** A random window of the frame; `fw`, `fh`: the crop's share of the network input per side. */
function randomWindow(rng: () => number, augment: boolean, fw = 1, fh = 1): Window {
  if (!augment) {
    const x0 = rng() * (1 - fw);
    const y0 = rng() * (1 - fh);
    return { x0, y0, x1: x0 + fw, y1: y0 + fh, flip: false, gain: 1, bias: 0 };
  }
  const zoom = Math.exp((rng() * 2 - 1) * Math.log(1.35)); // 0.74x .. 1.35x
  const aspect = Math.exp((rng() * 2 - 1) * Math.log(1.1));
  const ww = fw / (zoom * Math.sqrt(aspect));
  const wh = (fh * Math.sqrt(aspect)) / zoom;
  const cx = 0.5 + (rng() * 2 - 1) * Math.max(0.05, Math.abs(1 - ww) / 2 + 0.05);
  const cy = 0.5 + (rng() * 2 - 1) * Math.max(0.05, Math.abs(1 - wh) / 2 + 0.05);
  return {
    x0: cx - ww / 2,
    x1: cx + ww / 2,
    y0: cy - wh / 2,
    y1: cy + wh / 2,
    flip: rng() < 0.5,
    gain: 0.7 + rng() * 0.6,
    bias: (rng() * 2 - 1) * 25,
  };
}

/** Boxes of a stored frame inside a window, in network-input pixels; mostly hidden boxes are dropped. */
function windowBoxes(s: Stored, win: Window, inH: number, inW: number): TargetBox[] {
  const out: TargetBox[] = [];
  const sx = inW / (win.x1 - win.x0);
  const sy = inH / (win.y1 - win.y0);
  for (const b of s.boxes) {
    let xa = (b.x0 - win.x0) * sx;
    let xb = (b.x1 - win.x0) * sx;
    const ya = (b.y0 - win.y0) * sy;
    const yb = (b.y1 - win.y0) * sy;
    if (win.flip) [xa, xb] = [inW - xb, inW - xa];
    const full = (xb - xa) * (yb - ya);
    const cx0 = Math.max(0, xa);
    const cx1 = Math.min(inW, xb);
    const cy0 = Math.max(0, ya);
    const cy1 = Math.min(inH, yb);
    if (cx1 - cx0 < 2 || cy1 - cy0 < 2) continue;
    if ((cx1 - cx0) * (cy1 - cy0) < 0.4 * full) continue;
    out.push({ cls: b.cls, xmin: cx0, ymin: cy0, xmax: cx1, ymax: cy1 });
  }
  return out;
}

interface Batch {
  x: Tensor4D;
  pos: Tensor4D;
  negWeight: Tensor4D;
  reg: Tensor4D;
  mask: Tensor4D;
  numPos: number;
}

function makeBatch(items: Stored[], wins: Window[], storeH: number, storeW: number, arch: DetectorArch, crop: [number, number]): Batch {
  const [inH, inW] = crop;
  const gh = inH / arch.stride;
  const gw = inW / arch.stride;
  const n = items.length;
  const nc = DETECTOR_CLASSES.length;
  const pixels = new Int32Array(n * storeH * storeW * 3);
  items.forEach((s, i) => pixels.set(s.data, i * storeH * storeW * 3));
  const pos = new Float32Array(n * gh * gw * nc);
  const negW = new Float32Array(n * gh * gw * nc);
  const reg = new Float32Array(n * gh * gw * 4);
  const mask = new Float32Array(n * gh * gw);
  let numPos = 0;
  items.forEach((s, i) => {
    const t = encodeTargets(windowBoxes(s, wins[i]!, inH, inW), gh, gw, arch.stride);
    const off = i * gh * gw * nc;
    for (let j = 0; j < t.heat.length; j++) {
      const v = t.heat[j]!;
      if (v === 1) {
        pos[off + j] = 1;
        numPos++;
      } else {
        negW[off + j] = (1 - v) ** 4;
      }
    }
    reg.set(t.reg, i * gh * gw * 4);
    mask.set(t.mask, i * gh * gw);
  });
  // cropAndResize maps normalised coordinate u to pixel centre u*(size-1): convert window edges.
  const boxes = wins.map((w) => {
    const ya = (w.y0 * storeH - 0.5) / (storeH - 1);
    const yb = (w.y1 * storeH - 0.5) / (storeH - 1);
    const xa = (w.x0 * storeW - 0.5) / (storeW - 1);
    const xb = (w.x1 * storeW - 0.5) / (storeW - 1);
    return w.flip ? [ya, xb, yb, xa] : [ya, xa, yb, xb];
  });
  const x = tf.tidy(() => {
    const imgs = tf.tensor4d(pixels, [n, storeH, storeW, 3], 'int32').toFloat() as Tensor4D;
    const crops = tf.image.cropAndResize(imgs, tf.tensor2d(boxes, [n, 4]), tf.range(0, n, 1, 'int32') as import('@tensorflow/tfjs').Tensor1D, [inH, inW], 'bilinear', 114);
    const gain = tf.tensor4d(wins.map((w) => w.gain), [n, 1, 1, 1]);
    const bias = tf.tensor4d(wins.map((w) => w.bias), [n, 1, 1, 1]);
    return crops.mul(gain).add(bias).clipByValue(0, 255) as Tensor4D;
  });
  return {
    x,
    pos: tf.tensor4d(pos, [n, gh, gw, nc]),
    negWeight: tf.tensor4d(negW, [n, gh, gw, nc]),
    reg: tf.tensor4d(reg, [n, gh, gw, 4]),
    mask: tf.tensor4d(mask, [n, gh, gw, 1]),
    numPos,
  };
}

function disposeBatch(b: Batch): void {
  tf.dispose([b.x, b.pos, b.negWeight, b.reg, b.mask]);
}

/** CenterNet loss: focal loss on the heatmap (per object), L1 on log-size and offset at centres. */
export function detectorLoss(out: Tensor4D, b: Omit<Batch, 'x'>): Scalar {
  return tf.tidy(() => {
    const nc = DETECTOR_CLASSES.length;
    const logits = out.slice([0, 0, 0, 0], [-1, -1, -1, nc]);
    const predReg = out.slice([0, 0, 0, nc], [-1, -1, -1, OUT_CHANNELS - nc]);
    const p = tf.sigmoid(logits);
    const logP = tf.neg(tf.softplus(tf.neg(logits)));
    const log1mP = tf.neg(tf.softplus(logits));
    const oneMinusP = tf.sub(1, p);
    const posTerm = tf.sum(tf.mul(b.pos, tf.mul(tf.mul(oneMinusP, oneMinusP), logP)));
    const negTerm = tf.sum(tf.mul(b.negWeight, tf.mul(tf.mul(p, p), log1mP)));
    const n = Math.max(1, b.numPos);
    const heat = tf.div(tf.neg(tf.add(posTerm, negTerm)), n);
    const regL = tf.div(tf.sum(tf.mul(tf.abs(tf.sub(predReg, b.reg)), b.mask)), n);
    return tf.add(heat, regL) as Scalar;
  });
}

/** One finished epoch of the detector's training. */
export interface DetectorEpoch {
  epoch: number;
  epochs: number;
  /** smoothed training loss */
  loss: number;
  /** since training began */
  seconds: number;
  maxSeconds?: number;
}

/**
 * Trains a detector on labelled frames and (with `out`) writes its model folder. Returns the
 * training figures and, when held-out frames exist, their mAP@0.5.
 */
export async function trainDetector(opts: TrainDetectorOptions): Promise<TrainDetectorResult> {
  const info = await initEngine();
  const log = opts.json ? () => {} : (opts.log ?? ((m: string) => process.stderr.write(`${m}\n`)));
  const seed = opts.seed ?? 1;
  const rng = seedrandom(`detector-${seed}`);
  const arch: DetectorArch = { ...DEFAULT_ARCH, inputShape: opts.inputShape ?? DEFAULT_ARCH.inputShape, width: opts.width ?? DEFAULT_ARCH.width };
  const [inH, inW] = arch.inputShape;
  const storeH = Math.round((inH * 1.25) / 2) * 2;
  const storeW = Math.round((inW * 1.25) / 2) * 2;

  const trainScenes: Stored[] = opts.scenes.map((s) => toStored(s, storeH, storeW));
  const evalScenes: DetectorScene[] = opts.evalScenes ?? [];
  if (trainScenes.length === 0) throw new Error('no labelled frames to train the detector on');
  const objects: Record<string, number> = { cog: 0, toon: 0 };
  for (const s of trainScenes) for (const b of s.boxes) objects[DETECTOR_CLASSES[b.cls]!]!++;

  const epochs = opts.epochs ?? 30;
  const batchSize = Math.min(opts.batchSize ?? 8, trainScenes.length);
  const stepsPerEpoch = Math.ceil(trainScenes.length / batchSize);
  const steps = epochs * stepsPerEpoch;
  const baseLr = opts.learningRate ?? 4e-3;
  const augment = opts.augment ?? true;
  const crop: [number, number] = opts.trainCrop ?? [Math.min(128, inH), Math.min(160, inW)];
  if (crop[0] % 16 || crop[1] % 16 || crop[0] > inH || crop[1] > inW) {
    throw new RangeError(`trainCrop ${crop.join('x')} must be multiples of 16 within the input ${inH}x${inW}`);
  }
  // The network is trained at the crop size and its weights copied into one at the full input size.
  const trainModel: LayersModel = makeDetector({ ...arch, inputShape: [crop[0], crop[1], 3] }, seed);
  if (opts.initFrom) {
    const init = await loadModelFolder(opts.initFrom, 'detector');
    try {
      trainModel.setWeights(init.model.getWeights());
    } catch (err) {
      throw new Error(`${opts.initFrom}: cannot start from this detector (${(err as Error).message.split('\n')[0]})`);
    } finally {
      init.model.dispose();
    }
  }
  const optimizer = tf.train.adam(baseLr);
  log(`detector: ${trainScenes.length} frames (${objects.cog} cogs, ${objects.toon} toons), ${evalScenes.length} held out, ${epochs} epochs x ${stepsPerEpoch} steps, batch ${batchSize}, ${trainModel.countParams()} parameters, backend ${info.backend}`);

  const history: TrainDetectorResult['history'] = [];
  const t0 = performance.now();
  let step = 0;
  let firstLoss = NaN;
  let lastLoss = NaN;
  let ema = NaN;
  let stop = false;
  for (let epoch = 0; epoch < epochs && !stop; epoch++) {
    const order = shuffleInPlace(trainScenes.map((_, i) => i), rng);
    for (let k = 0; k < stepsPerEpoch && !stop; k++) {
      let idx = order.slice(k * batchSize, (k + 1) * batchSize);
      if (idx.length < batchSize) idx = idx.concat(order.slice(0, batchSize - idx.length));
      // Linear warm-up over the first 5% of steps (at most 30), then cosine decay to 5% of the base
      // rate; with a time budget, progress is whichever of steps and seconds is further along.
      const elapsed = (performance.now() - t0) / 1000;
      const progress = Math.max(step / steps, opts.maxSeconds ? elapsed / opts.maxSeconds : 0);
      const lr = warmupCosine(baseLr, step, warmupSteps(steps), progress);
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const wins = idx.map(() => randomWindow(rng, augment, crop[1] / inW, crop[0] / inH));
      const batch = makeBatch(idx.map((i) => trainScenes[i]!), wins, storeH, storeW, arch, crop);
      const lossT = optimizer.minimize(() => detectorLoss(trainModel.apply(batch.x, { training: true }) as Tensor4D, batch), true) as Scalar;
      const loss = (await lossT.data())[0]!;
      lossT.dispose();
      disposeBatch(batch);
      if (!Number.isFinite(loss)) throw new Error(`detector training diverged at step ${step} (loss ${loss}); try a lower learning rate`);
      if (step === 0) firstLoss = loss;
      lastLoss = loss;
      ema = Number.isNaN(ema) ? loss : 0.9 * ema + 0.1 * loss;
      history.push({ step, epoch, loss });
      step++;
      const seconds = (performance.now() - t0) / 1000;
      if (opts.maxSeconds !== undefined && seconds > opts.maxSeconds) stop = true;
    }
    if (opts.onEpoch) opts.onEpoch({ epoch: epoch + 1, epochs, loss: ema, seconds: (performance.now() - t0) / 1000, maxSeconds: opts.maxSeconds });
    else if (!opts.json && (epoch % 5 === 4 || epoch === epochs - 1)) {
      log(`  epoch ${epoch + 1}/${epochs}: loss ${ema.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
  optimizer.dispose();
  const model: LayersModel = makeDetector(arch, seed);
  model.setWeights(trainModel.getWeights());
  trainModel.dispose();
  const trainSeconds = (performance.now() - t0) / 1000;

  const metadata: DetectorMetadata = {
    task: 'detector',
    classes: [...DETECTOR_CLASSES],
    inputShape: arch.inputShape,
    preprocessing: { ...STANDARD_PREPROCESSING, keepAspect: true, letterbox: { pad: LETTERBOX_PAD, at: 'top-left' }, crop: 'whole frame' },
    backend: info.backend,
    createdAt: new Date().toISOString(),
    metrics: {},
    preset: 'centernet',
    detector: {
      kind: 'centernet',
      stride: arch.stride,
      outChannels: OUT_CHANNELS,
      layout: ['heatmap:cog', 'heatmap:toon', 'log_w', 'log_h', 'offset_x', 'offset_y'],
      decode: { ...DEFAULT_DECODE },
    },
    dataset: { frames: trainScenes.length, objects, heldOut: evalScenes.length, sources: opts.sources ?? [] },
    training: { epochs, steps: step, batchSize, crop, initFrom: opts.initFrom ?? null, learningRate: baseLr, augment, seed, seconds: Math.round(trainSeconds) },
  };
  const detector = wrapDetector(model, metadata);
  let evaluation: DetectorEvaluation | null = null;
  if (evalScenes.length) {
    evaluation = await evaluateDetector(detector, evalScenes);
    log(`  held-out mAP@0.5 ${evaluation.mAP50.toFixed(3)} on ${evalScenes.length} frames (${evaluation.msPerFrame.toFixed(1)} ms per frame)`);
  }
  metadata.metrics = {
    finalLoss: lastLoss,
    mAP50: evaluation?.mAP50 ?? null,
    perClass: evaluation?.perClass ?? null,
    evalFrames: evalScenes.length,
  };
  if (opts.out) {
    await saveModelFolder(opts.out, model, metadata);
    await writeFile(path.join(opts.out, 'history.json'), `${JSON.stringify({ task: 'detector', history, trainSeconds }, null, 0)}\n`);
    log(`  wrote ${opts.out}`);
  }
  const params = model.countParams();
  detector.dispose();
  return {
    task: 'detector',
    out: opts.out ?? null,
    backend: info.backend,
    scenes: trainScenes.length,
    objects,
    evalScenes: evalScenes.length,
    epochs,
    steps: step,
    batchSize,
    inputShape: arch.inputShape,
    params,
    trainSeconds,
    firstLoss,
    finalLoss: lastLoss,
    mAP50: evaluation?.mAP50 ?? null,
    evaluation,
    history,
    skipped: opts.skipped ?? [],
  };
}
