// Model interpretation, as in Chollet's "Deep Learning with Python" ch. 9 and the article:
// - Grad-CAM: the gradient of the predicted class's score (pre-activation logit) w.r.t. the last
//   conv layer's output, averaged per channel, weights that layer's channels; ReLU, normalise,
//   upsample to the crop and blend a jet colour map over it.
// - Intermediate activations: every channel of every conv layer's output as a grid of heatmaps.
// Works on models whose layers form a single chain (the article's, the presets', imported ones).
import sharp from 'sharp';
import type { LayersModel, Tensor, Tensor1D, Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../engine/index.ts';
import type { Box, RgbImage } from '../image.ts';
import { cropImage, escapeXml } from '../image.ts';
import type { Classification } from './classify.ts';
import { interpretOutput, wholeImage } from './classify.ts';
import type { LoadedModel } from './folder.ts';
import { cropToTensor } from './preprocess.ts';
import { ToonVisionError } from '../errors.ts';

type Layer = import('@tensorflow/tfjs').layers.Layer;

export class ExplainError extends ToonVisionError {
  constructor(message: string) {
    super(message, { code: 'explain' });
  }
}

/** The model's layers after its input, checked to be a single chain (each reads the one before). */
export function chainLayers(model: LayersModel): Layer[] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  let prev: Layer | undefined;
  for (const layer of layers) {
    const nodes = (layer as unknown as { inboundNodes: { inboundLayers: Layer[] }[] }).inboundNodes;
    const inbound = nodes[0]?.inboundLayers ?? [];
    const ok = nodes.length === 1 && inbound.length === 1 && (prev ? inbound[0] === prev : inbound[0]!.getClassName() === 'InputLayer');
    if (!ok) throw new ExplainError(`model '${model.name}': layer '${layer.name}' does not simply follow the previous layer; explain needs a single chain of layers`);
    prev = layer;
  }
  return layers;
}

export function isConv(layer: Layer): boolean {
  return /^(Conv2D|SeparableConv2D|DepthwiseConv2D)$/.test(layer.getClassName());
}

export interface GradCam extends Classification {
  /** The conv layer the map is computed on (the last one). */
  layer: string;
  /** Normalised class activation map, 0..1, row-major, at the conv layer's resolution. */
  cam: Float32Array;
  camShape: [number, number];
  /** Largest value before normalisation (0: the map is empty, nothing pushed towards the class). */
  camMax: number;
  /** The class explained (default: the predicted one). */
  explainedClass: string;
}

/** Applies layers in order to a concrete tensor (inference mode: Dropout is the identity). */
function run(layers: Layer[], x: Tensor): Tensor {
  return layers.reduce((t, l) => l.apply(t, { training: false }) as Tensor, x);
}

/**
 * The output layer's pre-activation (logits), so that a saturated sigmoid or softmax still has a
 * gradient; falls back to the layer's output when it is not a Dense with a sigmoid/softmax/linear.
 */
function logits(last: Layer, x: Tensor): Tensor {
  const cfg = last.getConfig();
  if (last.getClassName() === 'Dense' && ['sigmoid', 'softmax', 'linear'].includes(String(cfg.activation))) {
    const [kernel, bias] = last.getWeights();
    const flat = x.reshape([x.shape[0]!, -1]);
    const z = tf.matMul(flat, kernel!);
    return cfg.useBias === false || !bias ? z : tf.add(z, bias);
  }
  return last.apply(x, { training: false }) as Tensor;
}

/** Grad-CAM of one crop (the whole image when `box` is undefined) for the predicted (or a given) class. */
export async function gradCam(loaded: LoadedModel, img: RgbImage, box?: Box, classIndex?: number): Promise<GradCam> {
  const { model, metadata } = loaded;
  const layers = chainLayers(model);
  const convIdx = layers.map(isConv).lastIndexOf(true);
  if (convIdx < 0) throw new ExplainError(`${loaded.dir}: the model has no convolution layer to explain`);
  const head = layers.slice(convIdx + 1);
  if (head.length === 0) throw new ExplainError(`${loaded.dir}: the last conv layer is the output; nothing to explain`);
  const last = head[head.length - 1]!;
  const middle = head.slice(0, -1);

  const [outT, camT, camMaxT, predicted] = tf.tidy(() => {
    const x = cropToTensor(img, box ?? wholeImage(img), metadata.inputShape).expandDims(0) as Tensor4D;
    const convOut = run(layers.slice(0, convIdx + 1), x) as Tensor4D;
    const output = model.predict(x) as Tensor;
    const out = output.reshape([-1]);
    const values = out.dataSync();
    const chosen = classIndex ?? interpretOutput(metadata, Array.from(values)).classIndex;
    const binary = values.length === 1;
    // A one-hot mask rather than gather: gather's gradient needs UnsortedSegmentSum, absent on WASM.
    const mask = tf.tensor1d(Array.from(values, (_, i) => (i === chosen ? 1 : 0)));
    const score = (a: Tensor): Tensor => {
      const z = logits(last, run(middle, a)).reshape([-1]);
      // One sigmoid unit: the logit favours class 1 (toon); class 0 (cog) is its negative.
      return binary ? (chosen === 1 ? z.sum() : z.sum().neg()) : tf.sum(tf.mul(z, mask));
    };
    const grads = tf.grad(score)(convOut) as Tensor4D;
    const weights = grads.mean([0, 1, 2]) as Tensor1D; // one weight per channel
    const camRaw = tf.relu(tf.sum(tf.mul(convOut.squeeze([0]), weights), -1)) as Tensor;
    const camMax = camRaw.max();
    const cam = tf.div(camRaw, tf.maximum(camMax, 1e-12));
    return [out, cam, camMax, tf.scalar(chosen, 'int32')];
  });
  try {
    const output = Array.from(await outT.data());
    const chosen = (await predicted.data())[0]!;
    const c = interpretOutput(metadata, output);
    return {
      ...c,
      layer: layers[convIdx]!.name,
      cam: (await camT.data()) as Float32Array,
      camShape: [camT.shape[0]!, camT.shape[1]!],
      camMax: (await camMaxT.data())[0]!,
      explainedClass: metadata.classes[chosen] ?? String(chosen),
    };
  } finally {
    tf.dispose([outT, camT, camMaxT, predicted]);
  }
}

/** Jet colour map (blue - cyan - yellow - red) of v in 0..1. */
export function jet(v: number): [number, number, number] {
  const c = (x: number) => Math.round(255 * Math.min(1, Math.max(0, x)));
  return [c(1.5 - Math.abs(4 * v - 3)), c(1.5 - Math.abs(4 * v - 2)), c(1.5 - Math.abs(4 * v - 1))];
}

const VIRIDIS: [number, number, number][] = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
];

/** Viridis colour map of v in 0..1 (matplotlib's default, as in Chollet's activation plots). */
export function viridis(v: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, v)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t));
  const f = t - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

/** Resizes an RGB image (bilinear, half-pixel centers). */
function resizeRgb(img: RgbImage, height: number, width: number): RgbImage {
  const data = tf.tidy(() => {
    const t = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32').toFloat();
    return tf.image.resizeBilinear(t as Tensor3D, [height, width], false, true).round().clipByValue(0, 255).toInt().dataSync();
  });
  return { data: Uint8Array.from(data), width, height };
}

/** Bilinear resize of a one-channel map. */
function resizeMap(map: Float32Array, shape: readonly [number, number], height: number, width: number): Float32Array {
  return tf.tidy(() => {
    const t = tf.tensor3d(map, [shape[0], shape[1], 1]);
    return tf.image.resizeBilinear(t, [height, width], false, true).dataSync() as Float32Array;
  });
}

/** Output size with the crop's aspect: the crop itself, enlarged so its longer side is at least `minSide`. */
export function displaySize(width: number, height: number, minSide = 320): { width: number; height: number } {
  const s = Math.max(1, minSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

/** The crop with the Grad-CAM map in jet colours blended over it (`alpha` of heatmap). */
export function heatmapOverlay(crop: RgbImage, cam: Float32Array, camShape: readonly [number, number], opts: { minSide?: number; alpha?: number } = {}): RgbImage {
  const { width, height } = displaySize(crop.width, crop.height, opts.minSide);
  const alpha = opts.alpha ?? 0.45;
  const base = resizeRgb(crop, height, width);
  const heat = resizeMap(cam, camShape, height, width);
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = jet(heat[i]!);
    out[i * 3] = Math.round(base.data[i * 3]! * (1 - alpha) + r * alpha);
    out[i * 3 + 1] = Math.round(base.data[i * 3 + 1]! * (1 - alpha) + g * alpha);
    out[i * 3 + 2] = Math.round(base.data[i * 3 + 2]! * (1 - alpha) + b * alpha);
  }
  return { data: out, width, height };
}

export interface ActivationGridOptions {
  /** Height of each channel tile in pixels (default 120); widths follow each layer's aspect. */
  tileHeight?: number;
  /** Tiles per row (default 16). */
  columns?: number;
}

/**
 * PNG of every conv layer's output channels for one crop, each channel normalised on its own and
 * drawn in viridis (dead channels stay dark), one titled block per layer, the model's input first.
 */
export async function activationGrid(loaded: LoadedModel, img: RgbImage, box?: Box, opts: ActivationGridOptions = {}): Promise<Buffer> {
  const { model, metadata } = loaded;
  const layers = chainLayers(model);
  const convIdx = layers.map((l, i) => (isConv(l) ? i : -1)).filter((i) => i >= 0);
  if (convIdx.length === 0) throw new ExplainError(`${loaded.dir}: the model has no convolution layer to show`);
  const tileH = opts.tileHeight ?? 120;
  const cols = opts.columns ?? 16;

  // One forward pass keeping each conv output, resized to tiles and normalised per channel.
  const blocks = tf.tidy(() => {
    const input = cropToTensor(img, box ?? wholeImage(img), metadata.inputShape);
    let x: Tensor = input.expandDims(0);
    const res: { kind: 'input' | 'conv'; name: string; shape: number[]; tileW: number; data: Float32Array; channels: number }[] = [];
    const [ih, iw] = metadata.inputShape;
    const inTileW = Math.max(1, Math.round((tileH * iw) / ih));
    const inTile = tf.image.resizeBilinear(input, [tileH, inTileW], false, true).div(255);
    res.push({ kind: 'input', name: `model input ${ih}x${iw}`, shape: [ih, iw, 3], tileW: inTileW, data: inTile.dataSync() as Float32Array, channels: 3 });
    for (let i = 0; i <= convIdx[convIdx.length - 1]!; i++) {
      x = layers[i]!.apply(x, { training: false }) as Tensor;
      if (!convIdx.includes(i)) continue;
      const [, h, w, k] = x.shape as number[];
      const tileW = Math.max(1, Math.round((tileH * w!) / h!));
      const r = tf.image.resizeBilinear(x.squeeze([0]) as Tensor3D, [tileH, tileW], false, true);
      const min = r.min([0, 1]);
      const range = tf.sub(r.max([0, 1]), min);
      const norm = tf.div(tf.sub(r, min), tf.maximum(range, 1e-6));
      res.push({ kind: 'conv', name: layers[i]!.name, shape: [h!, w!, k!], tileW, data: norm.dataSync() as Float32Array, channels: k! });
    }
    return res;
  });

  return tileSheet(
    blocks.map((b) => {
      const px = tileH * b.tileW;
      const tiles: Uint8Array[] = [];
      if (b.kind === 'input') tiles.push(Uint8Array.from(b.data, (v) => Math.round(v * 255)));
      else {
        for (let t = 0; t < b.channels; t++) {
          const tile = new Uint8Array(px * 3);
          for (let i = 0; i < px; i++) tile.set(viridis(b.data[i * b.channels + t]!), i * 3);
          tiles.push(tile);
        }
      }
      return { title: b.kind === 'input' ? b.name : `${b.name}: ${b.shape[0]}x${b.shape[1]}, ${b.shape[2]} channels`, tileW: b.tileW, tileH, tiles };
    }),
    { columns: cols },
  );
}

/** One titled block of equally sized RGB tiles (row-major, 3 bytes a pixel). */
export interface TileBlock {
  title: string;
  tileW: number;
  tileH: number;
  tiles: Uint8Array[];
}

/**
 * A PNG of titled blocks of tiles on a dark ground, one block under the other, `columns` tiles a row
 * (the activations grid and the filters' patterns).
 */
export async function tileSheet(blocks: readonly TileBlock[], opts: { columns?: number } = {}): Promise<Buffer> {
  const cols = opts.columns ?? 16;
  const gap = 2;
  const titleH = 20;
  const layout = blocks.map((b) => {
    const n = b.tiles.length;
    const c = Math.max(1, Math.min(cols, n));
    const rows = Math.ceil(n / c);
    return { ...b, n, c, width: c * (b.tileW + gap) + gap, height: titleH + rows * (b.tileH + gap) + gap };
  });
  const width = Math.max(...layout.map((l) => l.width), 200);
  const height = layout.reduce((s, l) => s + l.height, 0);
  const canvas = new Uint8Array(width * height * 3).fill(24);
  const svgText: string[] = [];
  let top = 0;
  for (const b of layout) {
    svgText.push(`<text x="4" y="${top + 15}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#eeeeee">${escapeXml(b.title)}</text>`);
    for (let t = 0; t < b.n; t++) {
      const x0 = gap + (t % b.c) * (b.tileW + gap);
      const y0 = top + titleH + Math.floor(t / b.c) * (b.tileH + gap);
      const tile = b.tiles[t]!;
      for (let y = 0; y < b.tileH; y++) canvas.set(tile.subarray(y * b.tileW * 3, (y + 1) * b.tileW * 3), ((y0 + y) * width + x0) * 3);
    }
    top += b.height;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${svgText.join('')}</svg>`;
  return sharp(Buffer.from(canvas), { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .removeAlpha()
    .png()
    .toBuffer();
}

export interface Explanation extends GradCam {
  /** The crop's size in the source image. */
  crop: { width: number; height: number };
  /** The heatmap picture (crop aspect). */
  heatmap: RgbImage;
}

/** Grad-CAM of a crop plus the blended heatmap picture. */
export async function explainCrop(loaded: LoadedModel, img: RgbImage, box?: Box, opts: { minSide?: number; alpha?: number } = {}): Promise<Explanation> {
  const b = box ?? wholeImage(img);
  const crop = cropImage(img, b);
  const cam = await gradCam(loaded, img, b);
  return { ...cam, crop: { width: crop.width, height: crop.height }, heatmap: heatmapOverlay(crop, cam.cam, cam.camShape, opts) };
}
