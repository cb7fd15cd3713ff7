// Trains the tag reader on windows of made-up tags in the game's typeface (dataset.ts) and writes
// its folder: model.json, weights.bin, metadata.json saying what it was trained on. The typeface is
// read from the given path (the game's file, never shipped); the network learnt from it may ship.
import os from 'node:os';
import path from 'node:path';
import { initEngine, tf } from '../engine/index.ts';
import { rngFor } from '../synth/rng.ts';
import { makeSamples, type HeadLabels } from './dataset.ts';
import { HEAD_CLASSES, HEADS, INPUT, loadReader, makeReaderNetwork, saveReader, type Head, type ReaderMetadata } from './model.ts';
import { TagFont } from './render.ts';
import { loadBackgrounds } from './synth.ts';

type Tensor = import('@tensorflow/tfjs').Tensor;

export interface TrainReaderOptions {
  /** the game's Cog nametag typeface (vtRemingtonPortable.ttf) */
  font: string;
  /** the Toons' typeface (ImpressBT.ttf), for Toon tags to refuse; the Cog face when absent */
  toonFont?: string;
  /** folders of screenshots to draw tags over (besides drawn streets) */
  backgrounds: string[];
  out: string;
  samples: number;
  validation: number;
  epochs: number;
  batch: number;
  seed: number;
  /** line pitch range in px */
  em: [number, number];
  /** go on training this reader folder's network (its metadata's history is kept) */
  from?: string;
  /** learning rate of all epochs but the last (default 1e-3; the last takes a quarter of it) */
  rate?: number;
  log: (m: string) => void;
}

export interface TrainReaderResult {
  out: string;
  samples: number;
  seconds: { data: number; train: number };
  validation: Accuracy;
}

/** Share of windows with the name, the department, the level (tens, units and v2.0 together) and all of them right. */
export interface Accuracy {
  name: number;
  suit: number;
  level: number;
  all: number;
}

/** A batch of windows and each head's one-hot answers. */
function batchTensors(pixels: Uint8Array, labels: readonly HeadLabels[], idx: readonly number[]): { x: Tensor; ys: Tensor[] } {
  const size = INPUT[0] * INPUT[1] * INPUT[2];
  const x = new Float32Array(idx.length * size);
  idx.forEach((k, i) => {
    for (let j = 0; j < size; j++) x[i * size + j] = pixels[k * size + j]!;
  });
  const ys = HEADS.map((head) => tf.oneHot(tf.tensor1d(idx.map((k) => labels[k]![head]), 'int32'), HEAD_CLASSES[head].length));
  return { x: tf.tensor4d(x, [idx.length, ...INPUT]), ys };
}

/** Accuracy on a set: name, department, level (its three heads together), all of them. */
export function evaluate(model: import('@tensorflow/tfjs').LayersModel, pixels: Uint8Array, labels: readonly HeadLabels[], batch = 128): Accuracy {
  const right = { name: 0, suit: 0, level: 0, all: 0 };
  for (let i = 0; i < labels.length; i += batch) {
    const idx = Array.from({ length: Math.min(batch, labels.length - i) }, (_, k) => i + k);
    const preds = tf.tidy(() => {
      const { x } = batchTensors(pixels, labels, idx);
      return (model.predict(x) as Tensor[]).map((t) => t.argMax(-1).dataSync() as Int32Array);
    });
    idx.forEach((k, j) => {
      const ok = (head: Head) => preds[HEADS.indexOf(head)]![j] === labels[k]![head];
      const level = ok('tens') && ok('units') && ok('v2');
      if (ok('name')) right.name++;
      if (ok('suit')) right.suit++;
      if (level) right.level++;
      if (level && ok('name') && ok('suit')) right.all++;
    });
  }
  const n = Math.max(1, labels.length);
  return { name: right.name / n, suit: right.suit / n, level: right.level / n, all: right.all / n };
}

export async function trainReader(opts: TrainReaderOptions): Promise<TrainReaderResult> {
  const engine = await initEngine();
  const font = TagFont.load(opts.font);
  const toonFont = opts.toonFont ? TagFont.load(opts.toonFont) : undefined;
  const t0 = Date.now();
  const backgrounds = await loadBackgrounds(opts.backgrounds, 24, rngFor('nametag', opts.seed, 'streets'));
  opts.log(`${backgrounds.length} backgrounds; making ${opts.samples} training and ${opts.validation} validation windows...`);
  let last = 0;
  const progress = (what: string, n: number) => (done: number) => {
    if (Date.now() - last > 15000 || done === n) {
      last = Date.now();
      opts.log(`  ${what}: ${done}/${n}`);
    }
  };
  const train = await makeSamples(opts.samples, (i) => rngFor('nametag', opts.seed, 'train', i), font, toonFont, backgrounds, { em: opts.em }, progress('training windows', opts.samples));
  const val = await makeSamples(opts.validation, (i) => rngFor('nametag', opts.seed, 'validation', i), font, toonFont, backgrounds, { em: opts.em }, progress('validation windows', opts.validation));
  const dataSeconds = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  const base = opts.from ? await loadReader(opts.from) : undefined;
  const model = base ? base.model : makeReaderNetwork();
  const losses = Object.fromEntries(HEADS.map((h) => [h, 'categoricalCrossentropy']));
  const rng = rngFor('nametag', opts.seed, 'order');
  let validation = evaluate(model, val.pixels, val.labels);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const rate = opts.rate ?? 1e-3;
    const lr = epoch < opts.epochs - 1 ? rate : rate / 4;
    model.compile({ optimizer: tf.train.adam(lr), loss: losses });
    const order = rng.shuffle(Array.from({ length: opts.samples }, (_, i) => i));
    let lossSum = 0;
    let steps = 0;
    for (let i = 0; i + opts.batch <= order.length; i += opts.batch) {
      const { x, ys } = batchTensors(train.pixels, train.labels, order.slice(i, i + opts.batch));
      const loss = await model.trainOnBatch(x, ys);
      lossSum += Array.isArray(loss) ? loss[0]! : loss;
      steps++;
      x.dispose();
      ys.forEach((y) => y.dispose());
    }
    validation = evaluate(model, val.pixels, val.labels);
    opts.log(`epoch ${epoch + 1}/${opts.epochs}: loss ${(lossSum / steps).toFixed(3)}; validation name ${(validation.name * 100).toFixed(1)}%, suit ${(validation.suit * 100).toFixed(1)}%, level ${(validation.level * 100).toFixed(1)}%, all three ${(validation.all * 100).toFixed(1)}% (${((Date.now() - t1) / 1000).toFixed(0)} s)`);
  }
  const trainSeconds = (Date.now() - t1) / 1000;
  const metadata: ReaderMetadata = {
    task: 'nametag',
    heads: HEAD_CLASSES,
    inputShape: INPUT,
    window: 'the tag card\'s box grown 4% each side across and 8% up and down, bilinear to 32x96 RGB 0-255, black outside the frame',
    createdAt: new Date().toISOString(),
    trainedOn: {
      what: 'made-up Cog nametags rendered in the game\'s nametag typeface (vtRemingtonPortable.ttf, not shipped), black on a translucent grey card, over real and drawn backgrounds, blurred, rescaled and JPEG-compressed; Toons\' tags (coloured, ImpressBT) and bare backgrounds as tags to refuse; tags cut by the frame\'s edge or by the window with what is cut marked unknown',
      typeface: path.basename(opts.font),
      backgrounds: opts.backgrounds.map((d) => path.basename(d)),
      drawnStreets: 24,
      windows: opts.samples,
      linePitchPx: opts.em,
      epochs: opts.epochs,
      batch: opts.batch,
      seed: opts.seed,
      backend: engine.backend,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      seconds: { data: Math.round(dataSeconds), train: Math.round(trainSeconds) },
      ...(base ? { continued: base.metadata.trainedOn } : {}),
    },
    metrics: { validation: { windows: opts.validation, ...validation } },
  };
  await saveReader(opts.out, model, metadata);
  model.dispose();
  return { out: opts.out, samples: opts.samples, seconds: { data: dataSeconds, train: trainSeconds }, validation };
}
