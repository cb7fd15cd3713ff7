// The tag reader's network: a tag card's window in, five answers out: the name line (one of the 32
// Cogs, a Skelecog or unreadable), the department (or unreadable), and the level line read as its
// tens digit (none, 1, 2), its units digit and whether it ends in v2.0, each of them or unreadable. Its folder (model.json, weights.bin, metadata.json) is like the classifiers' but the
// task is 'nametag'; the window is cut and scaled here the same way for training and for reading.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../engine/index.ts';
import { readModelArtifacts } from '../model/folder.ts';
import type { RgbImage } from '../image.ts';
import { COG_NAMES, SUITS } from '../taxonomy.ts';
import type { Bbox } from './locate.ts';

type Tensor = import('@tensorflow/tfjs').Tensor;
type LayersModel = import('@tensorflow/tfjs').LayersModel;
type SymbolicTensor = import('@tensorflow/tfjs').SymbolicTensor;

/** What the network sees: a window of the tag card, this size (height, width, RGB). */
export const INPUT: [number, number, number] = [32, 96, 3];
export const UNKNOWN = '?';
export const NAME_CLASSES: readonly string[] = [...COG_NAMES, 'skelecog', UNKNOWN];
export const SUIT_CLASSES: readonly string[] = [...SUITS, UNKNOWN];
/** The level's tens digit: '-' for a one-digit level. */
export const TENS_CLASSES: readonly string[] = ['-', '1', '2', UNKNOWN];
export const UNITS_CLASSES: readonly string[] = [...Array.from({ length: 10 }, (_, i) => `${i}`), UNKNOWN];
export const V2_CLASSES: readonly string[] = ['no', 'yes', UNKNOWN];
export const HEADS = ['name', 'suit', 'tens', 'units', 'v2'] as const;
export type Head = (typeof HEADS)[number];
export const HEAD_CLASSES: Record<Head, readonly string[]> = { name: NAME_CLASSES, suit: SUIT_CLASSES, tens: TENS_CLASSES, units: UNITS_CLASSES, v2: V2_CLASSES };

/** The window read around a card's box: a little margin on every side. */
export function readWindow(plate: Bbox): Bbox {
  const [x, y, w, h] = plate;
  return [x - 0.04 * w, y - 0.08 * h, w * 1.08, h * 1.16];
}

/**
 * The window [x, y, w, h] of `img` scaled to INPUT with bilinear sampling (several samples a pixel
 * when shrinking), black outside the frame, as Float32 0-255 RGB. By hand: the same few lines serve
 * training and reading, for one small window, with no tensor round trip.
 */
export function windowPixels(img: RgbImage, win: Bbox, out = new Float32Array(INPUT[0] * INPUT[1] * 3), offset = 0): Float32Array {
  const [H, W] = INPUT;
  const sx = win[2] / W;
  const sy = win[3] / H;
  const kx = Math.max(1, Math.ceil(sx));
  const ky = Math.max(1, Math.ceil(sy));
  // Source columns and rows sampled for each output column and row, with their bilinear weights.
  const cols = new Int32Array(W * kx * 2);
  const colW = new Float32Array(W * kx * 2);
  for (let i = 0; i < W; i++) {
    for (let a = 0; a < kx; a++) {
      const x = win[0] + (i + (a + 0.5) / kx) * sx - 0.5;
      const x0 = Math.floor(x);
      const k = (i * kx + a) * 2;
      cols[k] = x0;
      cols[k + 1] = x0 + 1;
      colW[k] = 1 - (x - x0);
      colW[k + 1] = x - x0;
    }
  }
  const rowsAt = new Int32Array(H * ky * 2);
  const rowW = new Float32Array(H * ky * 2);
  for (let j = 0; j < H; j++) {
    for (let b = 0; b < ky; b++) {
      const y = win[1] + (j + (b + 0.5) / ky) * sy - 0.5;
      const y0 = Math.floor(y);
      const k = (j * ky + b) * 2;
      rowsAt[k] = y0;
      rowsAt[k + 1] = y0 + 1;
      rowW[k] = 1 - (y - y0);
      rowW[k + 1] = y - y0;
    }
  }
  const { data, width: IW, height: IH } = img;
  const norm = 1 / (kx * ky);
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      let r = 0;
      let g = 0;
      let bl = 0;
      for (let rb = 0; rb < ky * 2; rb++) {
        const yy = rowsAt[j * ky * 2 + rb]!;
        const wy = rowW[j * ky * 2 + rb]!;
        if (yy < 0 || yy >= IH || wy === 0) continue;
        const row = yy * IW;
        for (let ca = 0; ca < kx * 2; ca++) {
          const xx = cols[i * kx * 2 + ca]!;
          const wgt = colW[i * kx * 2 + ca]! * wy;
          if (xx < 0 || xx >= IW || wgt === 0) continue;
          const o = (row + xx) * 3;
          r += data[o]! * wgt;
          g += data[o + 1]! * wgt;
          bl += data[o + 2]! * wgt;
        }
      }
      const o = offset + (j * W + i) * 3;
      out[o] = r * norm;
      out[o + 1] = g * norm;
      out[o + 2] = bl * norm;
    }
  }
  return out;
}

/** Builds the reader's network (uncompiled). */
export function makeReaderNetwork(): LayersModel {
  const input = tf.input({ shape: INPUT });
  let x = tf.layers.rescaling({ scale: 1 / 127.5, offset: -1 }).apply(input) as SymbolicTensor;
  for (const [filters, pool] of [[16, true], [32, true], [48, true], [64, false]] as const) {
    x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as SymbolicTensor;
    if (pool) x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as SymbolicTensor;
  }
  x = tf.layers.flatten().apply(x) as SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.3 }).apply(x) as SymbolicTensor;
  x = tf.layers.dense({ units: 128, activation: 'relu' }).apply(x) as SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.2 }).apply(x) as SymbolicTensor;
  const outputs = HEADS.map((head) => tf.layers.dense({ units: HEAD_CLASSES[head].length, activation: 'softmax', name: head }).apply(x) as SymbolicTensor);
  return tf.model({ inputs: input, outputs, name: 'nametag_reader' });
}

export interface ReaderMetadata {
  task: 'nametag';
  heads: Record<Head, readonly string[]>;
  inputShape: [number, number, number];
  window: string;
  createdAt: string;
  trainedOn: Record<string, unknown>;
  metrics: Record<string, unknown>;
  [key: string]: unknown;
}

export class ReaderFolderError extends Error {
  constructor(readonly dir: string, reason: string) {
    super(`${dir}: ${reason}`);
    this.name = 'ReaderFolderError';
  }
}

/** Writes the reader's folder: files to a staging folder, then renamed into place. */
export async function saveReader(dir: string, model: LayersModel, metadata: ReaderMetadata): Promise<void> {
  const staging = `${dir.replace(/[\\/]+$/, '')}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const parts = artifacts.weightData ? (Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]) : [];
      const weightData = Buffer.concat(parts.map((b) => Buffer.from(b)));
      await writeFile(path.join(staging, 'weights.bin'), weightData);
      await writeFile(
        path.join(staging, 'model.json'),
        JSON.stringify({ modelTopology: artifacts.modelTopology, format: artifacts.format ?? 'layers-model', generatedBy: artifacts.generatedBy, convertedBy: 'toonvision', weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }] }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightData.length } };
    }),
  );
  await writeFile(path.join(staging, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) await rename(dir, old);
  await rename(staging, dir);
  await rm(old, { recursive: true, force: true });
}

export interface LoadedReader {
  dir: string;
  model: LayersModel;
  metadata: ReaderMetadata;
}

/** Loads a reader folder; errors name the folder and what is wrong. */
export async function loadReader(dir: string): Promise<LoadedReader> {
  const metaFile = path.join(dir, 'metadata.json');
  if (!existsSync(metaFile)) throw new ReaderFolderError(dir, 'no metadata.json in the nametag reader folder');
  let metadata: ReaderMetadata;
  try {
    metadata = JSON.parse(await readFile(metaFile, 'utf8')) as ReaderMetadata;
  } catch (err) {
    throw new ReaderFolderError(dir, `metadata.json is not valid JSON (${(err as Error).message})`);
  }
  if (metadata.task !== 'nametag') throw new ReaderFolderError(dir, `metadata.json is for task '${String(metadata.task)}', not 'nametag'`);
  for (const head of HEADS) {
    if (JSON.stringify(metadata.heads?.[head]) !== JSON.stringify(HEAD_CLASSES[head])) throw new ReaderFolderError(dir, `metadata.json's ${head} classes are not this version's`);
  }
  const artifacts = await readModelArtifacts(dir);
  let model: LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new ReaderFolderError(dir, `cannot load the network (${(err as Error).message.split('\n')[0]})`);
  }
  const shape = model.inputs[0]!.shape.slice(1);
  if (JSON.stringify(shape) !== JSON.stringify(INPUT)) {
    model.dispose();
    throw new ReaderFolderError(dir, `network input ${JSON.stringify(shape)} is not ${JSON.stringify(INPUT)}`);
  }
  return { dir, model, metadata };
}

/** Each head's probabilities for a batch of windows (n x INPUT, 0-255). */
export function predictHeads(model: LayersModel, pixels: Float32Array, n: number): Record<Head, Float32Array[]> {
  const outs = tf.tidy(() => {
    const x = tf.tensor4d(pixels, [n, ...INPUT]);
    const y = model.predict(x) as Tensor[];
    return y.map((t) => t.dataSync() as Float32Array);
  });
  const result = {} as Record<Head, Float32Array[]>;
  HEADS.forEach((head, k) => {
    const k2 = HEAD_CLASSES[head].length;
    result[head] = Array.from({ length: n }, (_, i) => outs[k]!.slice(i * k2, (i + 1) * k2));
  });
  return result;
}
