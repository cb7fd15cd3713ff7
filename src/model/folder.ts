// A model is a folder: tfjs `model.json` + `weights.bin` + `metadata.json` (contract in CLI.md), and
// `model.onnx` beside them for ONNX Runtime inference (written whenever the folder is saved).
// Written by hand because tfjs in Node has no file:// handler without tfjs-node: this is that handler.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { onnxActive, openOnnxSession, tf, type OnnxSession } from '../engine/index.ts';
import { exportOnnx, ONNX_OPSET, OnnxExportError } from './onnx-export.ts';
import type { Task } from '../taxonomy.ts';
import { TASK_CLASSES, TASKS } from '../taxonomy.ts';
import { ToonVisionError } from '../errors.ts';

/** How pixels reach the model: crop the box, resize, float 0-255; the model rescales itself. */
export interface Preprocessing {
  resize: 'bilinear';
  halfPixelCenters: true;
  alignCorners: false;
  /** Classifier crops are resized to the input (false); detector frames are letterboxed (true). */
  keepAspect: boolean;
  /** Pixel range fed to the model. */
  range: [0, 255];
}

export const STANDARD_PREPROCESSING: Preprocessing = {
  resize: 'bilinear',
  halfPixelCenters: true,
  alignCorners: false,
  keepAspect: false,
  range: [0, 255],
};

export interface ModelMetadata {
  task: Task;
  classes: string[];
  /** [height, width, 3] */
  inputShape: [number, number, number];
  preprocessing: Preprocessing | Record<string, unknown>;
  backend: string;
  createdAt: string;
  metrics: Record<string, unknown>;
  /** e.g. 'seed', 'fast', 'keras-import' */
  preset?: string;
  /** crops per split and class the model was trained on */
  dataset?: Record<string, unknown>;
  [key: string]: unknown;
}

export class ModelFolderError extends ToonVisionError {
  constructor(readonly dir: string, reason: string) {
    super(`${dir}: ${reason}`, { code: 'model-folder' });
  }
}

/** Checks a metadata object; throws a ModelFolderError naming what is wrong. */
export function checkMetadata(dir: string, meta: unknown, expectTask?: Task): ModelMetadata {
  if (typeof meta !== 'object' || meta === null) throw new ModelFolderError(dir, 'metadata.json is not an object');
  const m = meta as Partial<ModelMetadata>;
  if (!m.task || !(TASKS as readonly string[]).includes(m.task)) {
    throw new ModelFolderError(dir, `metadata.json has no valid task (got ${JSON.stringify(m.task)})`);
  }
  if (expectTask && m.task !== expectTask) {
    throw new ModelFolderError(dir, `model is for task '${m.task}', not '${expectTask}'`);
  }
  if (!Array.isArray(m.classes) || m.classes.length === 0) throw new ModelFolderError(dir, 'metadata.json has no classes');
  const known = TASK_CLASSES[m.task];
  const unknown = m.classes.filter((c) => !known.includes(c));
  if (unknown.length) throw new ModelFolderError(dir, `classes ${unknown.join(', ')} do not belong to task '${m.task}'`);
  if (!Array.isArray(m.inputShape) || m.inputShape.length !== 3 || m.inputShape[2] !== 3 || !m.inputShape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new ModelFolderError(dir, `metadata.json inputShape must be [height, width, 3], got ${JSON.stringify(m.inputShape)}`);
  }
  return m as ModelMetadata;
}

export const ONNX_FILE = 'model.onnx';

/** What metadata.json says about the folder's model.onnx. */
export type OnnxNote = { file: string; opset: number; bytes: number } | { error: string };

/**
 * Converts `model` and writes `dir/model.onnx` (through a temporary file and a rename: a reader never
 * sees half a file). A model the exporter cannot convert gets no model.onnx (a stale one is removed)
 * and stays on TensorFlow.js; the note says why.
 */
export async function writeOnnx(dir: string, model: import('@tensorflow/tfjs').LayersModel): Promise<OnnxNote> {
  let bytes: Uint8Array;
  try {
    bytes = await exportOnnx(model);
  } catch (err) {
    if (!(err instanceof OnnxExportError)) throw err;
    await rm(path.join(dir, ONNX_FILE), { force: true });
    return { error: err.message };
  }
  await writeAtomically(path.join(dir, ONNX_FILE), bytes);
  return { file: ONNX_FILE, opset: ONNX_OPSET, bytes: bytes.length };
}

/** Writes `file` through a temporary name and a rename: a reader never sees half a file. */
export async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.partial-${process.pid}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export interface OnnxExportResult {
  dir: string;
  file: string;
  bytes: number;
  opset: number;
  /** Largest |ONNX Runtime - TensorFlow.js| on a probe input; null where ONNX Runtime is not loaded. */
  maxDiff: number | null;
}

/**
 * `toonvision export-onnx DIR`: adds model.onnx to an existing model folder (replacing one that is
 * there) and notes it in metadata.json, each written atomically. A network the exporter cannot
 * convert is an error naming the layer, and the folder is left as it was.
 */
export async function addOnnxToFolder(dir: string): Promise<OnnxExportResult> {
  const { model, metadata } = await loadModelFolder(dir, undefined, { session: false });
  try {
    let bytes: Uint8Array;
    try {
      bytes = await exportOnnx(model);
    } catch (err) {
      if (err instanceof OnnxExportError) throw new ModelFolderError(dir, `cannot export to ONNX: ${err.message}; the model stays on TensorFlow.js`);
      throw err;
    }
    let maxDiff: number | null = null;
    if (onnxActive()) {
      const session = await openOnnxSession(bytes);
      try {
        maxDiff = await probeDifference(session, model);
      } finally {
        await session.release();
      }
      if (!(maxDiff <= LOAD_PARITY)) throw new ModelFolderError(dir, `the exported network disagrees with model.json (largest difference ${maxDiff}); nothing written`);
    }
    await writeAtomically(path.join(dir, ONNX_FILE), bytes);
    const note: OnnxNote = { file: ONNX_FILE, opset: ONNX_OPSET, bytes: bytes.length };
    await writeAtomically(path.join(dir, 'metadata.json'), `${JSON.stringify({ ...metadata, onnx: note }, null, 2)}\n`);
    return { dir, file: path.join(dir, ONNX_FILE), bytes: bytes.length, opset: ONNX_OPSET, maxDiff };
  } finally {
    model.dispose();
  }
}

/** Writes model.json, weights.bin, model.onnx (where the model converts) and metadata.json into `dir` (created if needed). */
export async function saveModelFolder(dir: string, model: import('@tensorflow/tfjs').LayersModel, metadata: ModelMetadata): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData
        ? Buffer.concat((Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]).map((b) => Buffer.from(b)))
        : Buffer.alloc(0);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? 'toonvision',
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      };
      await writeFile(path.join(dir, 'weights.bin'), weightData);
      await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightData.length } };
    }),
  );
  const onnx = await writeOnnx(dir, model);
  await writeFile(path.join(dir, 'metadata.json'), `${JSON.stringify({ ...metadata, onnx }, null, 2)}\n`);
}

/** Reads only the metadata of a model folder, checked. */
export async function readMetadata(dir: string, expectTask?: Task): Promise<ModelMetadata> {
  const file = path.join(dir, 'metadata.json');
  if (!existsSync(dir)) throw new ModelFolderError(dir, 'model folder does not exist');
  if (!existsSync(file)) throw new ModelFolderError(dir, 'no metadata.json in the model folder');
  let meta: unknown;
  try {
    meta = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ModelFolderError(dir, `metadata.json is not valid JSON (${(err as Error).message})`);
  }
  return checkMetadata(dir, meta, expectTask);
}

export interface LoadedModel {
  dir: string;
  model: import('@tensorflow/tfjs').LayersModel;
  metadata: ModelMetadata;
  /** The ONNX Runtime session inference uses; absent on TensorFlow.js. */
  session?: OnnxSession;
  /** Where inference runs, and why it is TensorFlow.js when ONNX Runtime is active. */
  runtime?: { name: 'onnxruntime' | 'tfjs'; source?: 'model.onnx' | 'converted at load'; reason?: string };
}

/** Largest difference allowed between ONNX Runtime and TensorFlow.js on the probe input at load. */
export const LOAD_PARITY = 1e-3;

/** A fixed pseudo-random batch of one in 0-255, the same every load. */
export function probeInput(shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s >>> 8) % 256;
  }
  return x;
}

/**
 * The ONNX Runtime session for a loaded folder: its model.onnx, or (for folders saved before
 * model.onnx existed) the network converted in memory. The session must agree with the tfjs network
 * on a probe input; a model.onnx that does not load or disagrees is refused (the error names it).
 * A network the exporter cannot convert stays on TensorFlow.js.
 */
async function attachSession(dir: string, model: import('@tensorflow/tfjs').LayersModel): Promise<Pick<LoadedModel, 'session' | 'runtime'>> {
  const file = path.join(dir, ONNX_FILE);
  let bytes: Uint8Array;
  let source: 'model.onnx' | 'converted at load' = 'model.onnx';
  if (existsSync(file)) bytes = await readFile(file);
  else {
    try {
      bytes = await exportOnnx(model);
      source = 'converted at load';
    } catch (err) {
      if (!(err instanceof OnnxExportError)) throw err;
      return { runtime: { name: 'tfjs', reason: err.message } };
    }
  }
  let session: OnnxSession;
  try {
    session = await openOnnxSession(bytes);
  } catch (err) {
    throw new ModelFolderError(dir, `${source === 'model.onnx' ? ONNX_FILE : 'the converted network'} does not load in ONNX Runtime (${(err as Error).message.split('\n')[0]})`);
  }
  let diff: number;
  try {
    diff = await probeDifference(session, model);
  } catch (err) {
    await session.release();
    throw new ModelFolderError(dir, `${ONNX_FILE} does not run (${(err as Error).message.split('\n')[0]})`);
  }
  if (!(diff <= LOAD_PARITY)) {
    await session.release();
    throw new ModelFolderError(dir, `${ONNX_FILE} disagrees with model.json (largest difference ${diff} on a probe input): re-export it with 'toonvision export-onnx ${dir}'`);
  }
  return { session, runtime: { name: 'onnxruntime', source } };
}

/** Largest |session - model| on the probe input (Infinity when the output sizes differ). */
async function probeDifference(session: OnnxSession, model: import('@tensorflow/tfjs').LayersModel): Promise<number> {
  const shape = [1, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const x = probeInput(shape);
  const got = await session.run(x, shape);
  const ref = tf.tidy(() => model.predict(tf.tensor(x, shape)) as import('@tensorflow/tfjs').Tensor);
  const want = (await ref.data()) as Float32Array;
  ref.dispose();
  if (got.data.length !== want.length) return Infinity;
  let diff = 0;
  for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(want[i]! - got.data[i]!));
  return diff;
}

/** Frees a loaded model: the tfjs network and its ONNX Runtime session. */
export function disposeLoaded(loaded: Pick<LoadedModel, 'model' | 'session'>): void {
  loaded.model.dispose();
  void loaded.session?.release().catch(() => {});
}

/**
 * A folder's model.json and weight shards as tfjs model artifacts (layers or graph model), read from
 * disk without fetch; errors name the folder and the missing or broken file.
 */
export async function readModelArtifacts(dir: string): Promise<import('@tensorflow/tfjs').io.ModelArtifacts> {
  const jsonFile = path.join(dir, 'model.json');
  if (!existsSync(jsonFile)) throw new ModelFolderError(dir, 'no model.json in the model folder');
  let modelJson: {
    format?: string;
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }[];
    signature?: object;
  };
  try {
    modelJson = JSON.parse(await readFile(jsonFile, 'utf8'));
  } catch (err) {
    throw new ModelFolderError(dir, `model.json is not valid JSON (${(err as Error).message})`);
  }
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const buffers: Buffer[] = [];
  for (const group of modelJson.weightsManifest) {
    for (const p of group.paths) {
      const f = path.join(dir, p);
      if (!existsSync(f)) throw new ModelFolderError(dir, `weights file ${p} named in model.json is missing`);
      buffers.push(await readFile(f));
    }
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer;
  return { modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData, format: modelJson.format, signature: modelJson.signature };
}

/**
 * Loads a model folder; checks that the network's input and output fit the metadata. Where ONNX
 * Runtime is the inference runtime (initInference() chose it) the result also carries its session,
 * unless `session: false`.
 */
export async function loadModelFolder(dir: string, expectTask?: Task, opts: { session?: boolean } = {}): Promise<LoadedModel> {
  const metadata = await readMetadata(dir, expectTask);
  const artifacts = await readModelArtifacts(dir);
  let model: import('@tensorflow/tfjs').LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new ModelFolderError(dir, `cannot load the network (${(err as Error).message.split('\n')[0]})`);
  }
  const inShape = model.inputs[0]!.shape;
  const [h, w, c] = metadata.inputShape;
  if (inShape[1] !== h || inShape[2] !== w || inShape[3] !== c) {
    model.dispose();
    throw new ModelFolderError(dir, `network input ${JSON.stringify(inShape.slice(1))} does not match metadata inputShape ${JSON.stringify(metadata.inputShape)}`);
  }
  if (metadata.task !== 'detector') {
    const units = model.outputs[0]!.shape[model.outputs[0]!.shape.length - 1];
    const expected = metadata.task === 'binary' ? 1 : metadata.classes.length;
    if (units !== expected) {
      model.dispose();
      throw new ModelFolderError(dir, `network has ${units} outputs but task '${metadata.task}' with ${metadata.classes.length} classes needs ${expected}`);
    }
  }
  if (!onnxActive() || opts.session === false) return { dir, model, metadata, runtime: { name: 'tfjs' } };
  try {
    return { dir, model, metadata, ...(await attachSession(dir, model)) };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** Where a model folder for `target` is written before installModelFolder() renames it into place. */
export function stagingFolder(target: string): string {
  return `${target.replace(/[\\/]+$/, '')}.partial-${process.pid}`;
}

/**
 * Installs a finished model folder at `target` atomically: the old one (if any) is renamed aside,
 * the new one renamed in, the old one removed. A watcher never sees a half-written folder.
 */
export async function installModelFolder(staged: string, target: string): Promise<void> {
  const old = `${target}.old-${process.pid}-${Date.now()}`;
  const had = existsSync(target);
  if (had) await rename(target, old);
  try {
    await rename(staged, target);
  } catch (err) {
    if (had) await rename(old, target);
    throw err;
  }
  if (had) await rm(old, { recursive: true, force: true });
}
