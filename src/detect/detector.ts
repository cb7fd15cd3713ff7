// A loaded detector: a model folder (task 'detector') turned into `detect(image) -> boxes`.
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { initEngine, initInference, tf, type OnnxSession } from '../engine/index.ts';
import type { RgbImage } from '../image.ts';
import { loadModelFolder, ModelFolderError, readMetadata, type ModelMetadata } from '../model/folder.ts';
import { isNanodetMetadata, loadNanodet } from './pretrained.ts';
import { decodeGrid, DEFAULT_DECODE, type DecodeParams, type Detection } from './decode.ts';
import { DETECTOR_CLASSES, OUT_CHANNELS } from './model.ts';
import { letterboxRgbToFloat } from './resize.ts';
import { computeAp, type ApResult, type DetectorScene } from './evaluate.ts';
import type { Detector, DetectorMetadata } from './types.ts';

export type { Detector, DetectorInfo, DetectorMetadata } from './types.ts';

/** Boxes clipped to the frame; those left with under a pixel of width or height are dropped. */
export function clipToFrame(dets: Detection[], width: number, height: number): Detection[] {
  const out: Detection[] = [];
  for (const d of dets) {
    const [x, y, w, h] = d.bbox;
    const x1 = Math.min(width, x + w);
    const y1 = Math.min(height, y + h);
    if (x1 - x < 1 || y1 - y < 1) continue;
    out.push({ ...d, bbox: [x, y, x1 - x, y1 - y] });
  }
  return out;
}

function checkDetectorInfo(dir: string, meta: ModelMetadata): DetectorMetadata {
  const d = (meta as Partial<DetectorMetadata>).detector;
  if (!d || typeof d !== 'object' || typeof d.stride !== 'number' || d.outChannels !== OUT_CHANNELS) {
    throw new ModelFolderError(dir, `metadata.json has no valid 'detector' section (stride, outChannels ${OUT_CHANNELS}, decode)`);
  }
  if (meta.classes.join(',') !== DETECTOR_CLASSES.join(',')) {
    throw new ModelFolderError(dir, `detector classes must be ${JSON.stringify(DETECTOR_CLASSES)}, got ${JSON.stringify(meta.classes)}`);
  }
  return { ...meta, detector: { ...d, decode: { ...DEFAULT_DECODE, ...(d.decode ?? {}) } } } as DetectorMetadata;
}

/** Wraps an in-memory model (used by training and by `loadDetector`); with a `session`, `detect` runs on ONNX Runtime. */
export function wrapDetector(model: LayersModel, metadata: DetectorMetadata, session?: OnnxSession): Detector {
  const [inputH, inputW] = metadata.inputShape;
  const stride = metadata.detector.stride;
  const out = model.outputs[0]!.shape;
  const gridH = out[1] ?? inputH / stride;
  const gridW = out[2] ?? inputW / stride;
  let disposed = false;
  let spare: Float32Array | undefined;
  return {
    metadata,
    model,
    session,
    async detect(img, opts) {
      if (disposed) throw new Error('detector was disposed');
      if (img.width <= 0 || img.height <= 0 || img.data.length !== img.width * img.height * 3) {
        throw new RangeError(`image ${img.width}x${img.height} has ${img.data.length} bytes, expected ${img.width * img.height * 3}`);
      }
      let raw: Float32Array;
      // The last frame's input buffer is reused (taken, so that two overlapping calls never share one).
      const lb = letterboxRgbToFloat(img, inputH, inputW, spare);
      spare = undefined;
      try {
        if (session) raw = (await session.run(lb.data, [1, inputH, inputW, 3])).data;
        else {
          const y = tf.tidy(() => model.predict(tf.tensor4d(lb.data, [1, inputH, inputW, 3])) as Tensor);
          try {
            raw = (await y.data()) as Float32Array;
          } finally {
            y.dispose();
          }
        }
      } finally {
        spare = lb.data;
      }
      // The letterboxed input covers inputW*scale x inputH*scale frame pixels: decode there, clip to the frame.
      const found = decodeGrid(
        raw,
        { gridH, gridW, stride, inputH, inputW, imageH: inputH * lb.scale, imageW: inputW * lb.scale },
        { ...metadata.detector.decode, ...(opts ?? {}) },
      );
      return clipToFrame(found, img.width, img.height);
    },
    dispose() {
      if (!disposed) {
        model.dispose();
        void session?.release().catch(() => {});
      }
      disposed = true;
    },
  };
}

/** Loads a detector model folder; throws one error naming the folder and the problem. */
export async function loadDetector(dir: string): Promise<Detector> {
  await initEngine();
  const head = await readMetadata(dir, 'detector');
  // A pretrained graph model (NanoDet) stays on TensorFlow.js: the ONNX exporter covers layers models.
  if (isNanodetMetadata(head)) return loadNanodet(dir, head);
  await initInference();
  const { model, metadata, session } = await loadModelFolder(dir, 'detector');
  let meta: DetectorMetadata;
  try {
    meta = checkDetectorInfo(dir, metadata);
    const shape = model.outputs[0]!.shape;
    if (model.outputs.length !== 1 || shape.length !== 4 || shape[3] !== OUT_CHANNELS) {
      throw new ModelFolderError(dir, `network output ${JSON.stringify(shape)} is not a [grid, grid, ${OUT_CHANNELS}] detector grid`);
    }
  } catch (err) {
    model.dispose();
    void session?.release().catch(() => {});
    throw err;
  }
  return wrapDetector(model, meta, session);
}

export interface DetectorEvaluation extends ApResult {
  scenes: number;
  objects: number;
  /** Mean wall time of `detect` per frame (resize, network, decode), and the frame size. */
  msPerFrame: number;
  frameSize: [number, number] | null;
  backend: string;
}

/**
 * mAP@0.5 of a detector on labelled scenes (VOC AP per class, mean over classes with objects).
 * Detections down to `threshold` (default 0.05) enter the precision-recall curve.
 */
export async function evaluateDetector(
  detector: Detector,
  scenes: readonly DetectorScene[],
  opts: { threshold?: number; warmup?: boolean } = {},
): Promise<DetectorEvaluation> {
  const threshold = opts.threshold ?? 0.05;
  if (scenes.length > 0 && opts.warmup !== false) await detector.detect(scenes[0]!.image, { threshold });
  const preds: Detection[][] = [];
  let ms = 0;
  for (const s of scenes) {
    const t0 = performance.now();
    // VOC practice: per-class ranked lists, so the cross-class suppression of live use is off here.
    preds.push(await detector.detect(s.image, { threshold, topK: 100, crossClassIou: 1 }));
    ms += performance.now() - t0;
  }
  const ap = computeAp(
    preds,
    scenes.map((s) => s.objects),
    { reportThreshold: detector.metadata.detector.decode.threshold },
  );
  return {
    ...ap,
    scenes: scenes.length,
    objects: scenes.reduce((n, s) => n + s.objects.length, 0),
    msPerFrame: scenes.length ? ms / scenes.length : 0,
    frameSize: scenes.length ? [scenes[0]!.image.width, scenes[0]!.image.height] : null,
    backend: tf.getBackend(),
  };
}
