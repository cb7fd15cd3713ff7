// NanoDet's network on either inference runtime: its ONNX model (the folder's model.onnx, refused when
// it was made from other weights, or the graph converted at load) on an ONNX Runtime session, or the
// TensorFlow.js graph model; and `export-onnx` for a NanoDet folder. Both runners take the frame
// letterboxed as NHWC 0-255 floats and give the head's outputs; decoding is pretrained.ts'.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GraphModel, Tensor, io } from '@tensorflow/tfjs';
import { onnxActive, openOnnxSession, tf, type OnnxSession } from '../engine/index.ts';
import {
  LOAD_PARITY, ModelFolderError, ONNX_FILE, probeInput, readMetadata, readModelArtifacts, writeAtomically, type OnnxExportResult,
} from '../model/folder.ts';
import { ONNX_OPSET, OnnxExportError } from '../model/onnx-export.ts';
import { exportGraphOnnx, graphFingerprint, onnxSourceFingerprint, type GraphInputPrep } from '../model/onnx-graph-export.ts';

/**
 * What NanoDet's graph takes: an NCHW 0-1 image. The frame comes letterboxed as NHWC 0-255 floats; the
 * tfjs runner divides and transposes before the graph, the ONNX model has both inside.
 */
export const NANODET_INPUT: Required<GraphInputPrep> = { nhwcInput: true, divide: 255 };

/** The head's outputs for one letterboxed NHWC 0-255 input of side `size`. */
export type HeadRunner = (input: Float32Array) => Promise<{ data: Float32Array; shape: number[] }[]>;

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** Converts a NanoDet graph to ONNX (OnnxExportError naming the node it cannot convert). */
export function nanodetToOnnx(artifacts: io.ModelArtifacts): Uint8Array {
  return exportGraphOnnx(artifacts, { name: 'nanodet', input: NANODET_INPUT });
}

/**
 * A NanoDet folder's ONNX model: model.onnx, or the graph converted now when the folder has none
 * (older folders keep working; nothing is written). A model.onnx made from another model.json or
 * other weights is a ModelFolderError telling to re-export; a graph that cannot convert gives the reason.
 */
export async function nanodetOnnx(dir: string, artifacts: io.ModelArtifacts): Promise<{ bytes: Uint8Array; source: 'model.onnx' | 'converted at load' } | { reason: string }> {
  const file = path.join(dir, ONNX_FILE);
  if (existsSync(file)) {
    const bytes = await readFile(file);
    if (onnxSourceFingerprint(bytes) !== graphFingerprint(artifacts)) {
      throw new ModelFolderError(dir, `${ONNX_FILE} was not made from this model.json and its weights: re-export it with 'toonvision export-onnx ${dir}'`);
    }
    return { bytes, source: 'model.onnx' };
  }
  try {
    return { bytes: nanodetToOnnx(artifacts), source: 'converted at load' };
  } catch (err) {
    if (err instanceof OnnxExportError) return { reason: err.message };
    throw err;
  }
}

/** Runs the head on an ONNX Runtime session. */
export function sessionRunner(session: OnnxSession, size: number): HeadRunner {
  return async (input) => (await session.runAll(input, [1, size, size, 3])).map((o) => ({ data: o.data, shape: o.dims }));
}

/**
 * Opens a session on NanoDet's ONNX model and runs it once on a grey frame, so that a model.onnx that
 * loads but does not run (or has no [1, cells, channels] head) is refused at load, not on the first frame.
 */
export async function openNanodetSession(dir: string, bytes: Uint8Array, size: number, what = ONNX_FILE): Promise<{ session: OnnxSession; run: HeadRunner }> {
  let session: OnnxSession;
  try {
    session = await openOnnxSession(bytes);
  } catch (err) {
    throw new ModelFolderError(dir, `${what} does not load in ONNX Runtime (${firstLine(err)})`);
  }
  const run = sessionRunner(session, size);
  try {
    const outs = await run(new Float32Array(size * size * 3).fill(114));
    if (outs.length === 0 || outs.some((o) => o.shape.length !== 3 || o.shape[0] !== 1)) throw new Error(`outputs ${JSON.stringify(outs.map((o) => o.shape))} are not NanoDet's [1, cells, channels] maps`);
  } catch (err) {
    await session.release();
    throw new ModelFolderError(dir, `${what} does not run (${firstLine(err)})`);
  }
  return { session, run };
}

/** Runs the head on the TensorFlow.js graph model. */
export function graphRunner(model: GraphModel, size: number): HeadRunner {
  return async (input) => {
    const outs = tf.tidy(() => {
      let x = tf.tensor4d(input, [1, size, size, 3]).div(NANODET_INPUT.divide);
      if (NANODET_INPUT.nhwcInput) x = x.transpose([0, 3, 1, 2]);
      const y = model.execute(x);
      return Array.isArray(y) ? y : [y];
    }) as Tensor[];
    try {
      return await Promise.all(outs.map(async (t) => ({ data: (await t.data()) as Float32Array, shape: t.shape })));
    } finally {
      for (const t of outs) t.dispose();
    }
  };
}

/** Loads a TensorFlow.js graph model from its artifacts; errors name the folder. */
export async function loadGraphModel(dir: string, artifacts: io.ModelArtifacts): Promise<GraphModel> {
  try {
    return await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new ModelFolderError(dir, `cannot load the graph model (${firstLine(err)})`);
  }
}

/** Largest |a - b| over every output (Infinity when the outputs differ in number or shape). */
export function headDifference(a: Awaited<ReturnType<HeadRunner>>, b: Awaited<ReturnType<HeadRunner>>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let k = 0; k < a.length; k++) {
    if (a[k]!.shape.join() !== b[k]!.shape.join()) return Infinity;
    const x = a[k]!.data;
    const y = b[k]!.data;
    for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  }
  return d;
}

/**
 * `toonvision export-onnx DIR` for a NanoDet folder: converts the graph, checks it against TensorFlow.js
 * on a probe input where ONNX Runtime is loaded, and writes model.onnx and the note in metadata.json
 * (each atomically). A graph that cannot convert is an error naming the node; the folder is left as it was.
 */
export async function addOnnxToNanodetFolder(dir: string, size: number): Promise<OnnxExportResult> {
  const metadata = await readMetadata(dir);
  const artifacts = await readModelArtifacts(dir);
  let bytes: Uint8Array;
  try {
    bytes = nanodetToOnnx(artifacts);
  } catch (err) {
    if (err instanceof OnnxExportError) throw new ModelFolderError(dir, `cannot export to ONNX: ${err.message}; the model stays on TensorFlow.js`);
    throw err;
  }
  let maxDiff: number | null = null;
  if (onnxActive()) {
    const model = await loadGraphModel(dir, artifacts);
    const { session, run } = await openNanodetSession(dir, bytes, size, 'the converted graph');
    try {
      const x = probeInput([1, size, size, 3]);
      maxDiff = headDifference(await run(x), await graphRunner(model, size)(x));
    } finally {
      model.dispose();
      await session.release();
    }
    if (!(maxDiff <= LOAD_PARITY)) throw new ModelFolderError(dir, `the converted graph disagrees with model.json (largest difference ${maxDiff}); nothing written`);
  }
  await writeAtomically(path.join(dir, ONNX_FILE), bytes);
  const note = { file: ONNX_FILE, opset: ONNX_OPSET, bytes: bytes.length };
  await writeAtomically(path.join(dir, 'metadata.json'), `${JSON.stringify({ ...metadata, onnx: note }, null, 2)}\n`);
  return { dir, file: path.join(dir, ONNX_FILE), bytes: bytes.length, opset: ONNX_OPSET, maxDiff };
}
