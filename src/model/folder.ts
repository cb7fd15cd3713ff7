// A model is a folder: tfjs `model.json` + `weights.bin` + `metadata.json` (contract in CLI.md).
// Written by hand because tfjs in Node has no file:// handler without tfjs-node: this is that handler.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../engine/index.ts';
import type { Task } from '../taxonomy.ts';
import { TASK_CLASSES, TASKS } from '../taxonomy.ts';

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

export class ModelFolderError extends Error {
  constructor(readonly dir: string, reason: string) {
    super(`${dir}: ${reason}`);
    this.name = 'ModelFolderError';
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

/** Writes model.json, weights.bin and metadata.json into `dir` (created if needed). */
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
  await writeFile(path.join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
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

/** Loads a model folder; checks that the network's input and output fit the metadata. */
export async function loadModelFolder(dir: string, expectTask?: Task): Promise<LoadedModel> {
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
  return { dir, model, metadata };
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
