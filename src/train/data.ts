// Training data: the crops of a split, labelled for a task, preprocessed and pre-batched into tensors.
// Preprocessing is src/model/preprocess.ts (bilinear, half-pixel centres, float 0-255), as at inference.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../engine/index.ts';
import { readImage } from '../image.ts';
import { cropToTensor } from '../model/preprocess.ts';
import type { Crop, Split } from '../dataset/layout.ts';
import { layout, listSplit } from '../dataset/layout.ts';
import type { ClassifierTask } from '../taxonomy.ts';
import { classForTask, KINDS, TASK_CLASSES } from '../taxonomy.ts';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { ToonVisionError } from '../errors.ts';

/** A failed run caused by the data (exit code 1); the message names the folder or file. */
export class DataError extends ToonVisionError {
  constructor(message: string) {
    super(message, { code: 'data' });
  }
}

/** One crop with its class index for a task. */
export interface Example {
  file: string;
  /** full label without index, e.g. cog_sb_coldcaller */
  label: string;
  /** class name for the task, e.g. sb */
  cls: string;
  /** index of `cls` in the task's classes */
  y: number;
}

/** Labels crops for a task; crops the task does not cover (a Toon for `suit`) are left out. */
export function examplesForTask(crops: readonly Crop[], task: ClassifierTask): Example[] {
  const classes = TASK_CLASSES[task];
  const out: Example[] = [];
  for (const c of crops) {
    const cls = classForTask(task, c.parsed);
    if (cls === undefined) continue;
    out.push({ file: c.file, label: c.label, cls, y: classes.indexOf(cls) });
  }
  return out;
}

/**
 * The crops of one split under `<root>/data/<split>/{cog,toon}`, labelled for `task`.
 * Throws a DataError when the split folder is missing, or holds no crop the task can use.
 */
export async function listTaskSplit(root: string, split: Split, task: ClassifierTask): Promise<Example[]> {
  const l = layout(root);
  const splitDir = path.join(root, 'data', split);
  if (!existsSync(splitDir) || !KINDS.some((k) => existsSync(l.split(split, k)))) {
    throw new DataError(`${splitDir}: split folder is missing (run 'toonvision split --root ${root}' first)`);
  }
  const crops = await listSplit(root, split);
  if (crops.length === 0) throw new DataError(`${splitDir}: split folder holds no crops`);
  const examples = examplesForTask(crops, task);
  if (examples.length === 0) {
    throw new DataError(`${splitDir}: no crops for task '${task}' (${crops.length} crops, none of a class of ${task})`);
  }
  return examples;
}

/** Throws when a class of the task has no example (training cannot learn it). */
export function requireEveryClass(examples: readonly Example[], task: ClassifierTask, where: string): void {
  const seen = new Set(examples.map((e) => e.cls));
  const missing = TASK_CLASSES[task].filter((c) => !seen.has(c));
  if (missing.length) {
    throw new DataError(`${where}: task '${task}' has no examples of class${missing.length > 1 ? 'es' : ''} ${missing.join(', ')}`);
  }
}

/** Examples per class, in the task's class order. */
export function countByClass(examples: readonly Example[], task: ClassifierTask): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of TASK_CLASSES[task]) out[c] = 0;
  for (const e of examples) out[e.cls] = (out[e.cls] ?? 0) + 1;
  return out;
}

/** Reads and preprocesses every crop into one [n, h, w, 3] float tensor (an unreadable file is named). */
export async function loadImages(files: readonly string[], inputShape: readonly number[]): Promise<Tensor4D> {
  const [h, w] = inputShape as [number, number];
  const per = h * w * 3;
  const buf = new Float32Array(files.length * per);
  for (let i = 0; i < files.length; i++) {
    const img = await readImage(files[i]!);
    const t = cropToTensor(img, undefined, inputShape);
    buf.set(t.dataSync() as Float32Array, i * per);
    t.dispose();
  }
  return tf.tensor4d(buf, [files.length, h, w, 3]);
}

/** Targets for a task: [n, 1] of 0/1 for binary (P(toon)), one-hot [n, k] otherwise. */
export function targets(examples: readonly Example[], task: ClassifierTask): Tensor {
  if (task === 'binary') return tf.tensor2d(examples.map((e) => e.y), [examples.length, 1]);
  const k = TASK_CLASSES[task].length;
  return tf.tidy(() => tf.oneHot(tf.tensor1d(examples.map((e) => e.y), 'int32'), k).toFloat());
}
