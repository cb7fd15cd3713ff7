// `toonvision evaluate`: a model folder on one split of a data root.
import path from 'node:path';
import { initEngine } from '../engine/index.ts';
import type { LoadedModel } from '../model/folder.ts';
import { loadModelFolder, ModelFolderError } from '../model/folder.ts';
import type { Split } from '../dataset/layout.ts';
import type { ClassifierTask } from '../taxonomy.ts';
import { CLASSIFIER_TASKS } from '../taxonomy.ts';
import { listTaskSplit, loadImages } from './data.ts';
import type { Evaluation } from './evaluate.ts';
import { evaluateOn } from './evaluate.ts';

/** Loads a classifier model folder, checking that it is one (not a detector) and fits its task. */
export async function loadClassifier(dir: string, expectTask?: ClassifierTask): Promise<LoadedModel & { task: ClassifierTask }> {
  await initEngine();
  const loaded = await loadModelFolder(dir, expectTask);
  const task = loaded.metadata.task;
  if (!(CLASSIFIER_TASKS as readonly string[]).includes(task)) {
    loaded.model.dispose();
    throw new ModelFolderError(dir, `model is a '${task}' model, not a classifier (use 'toonvision detect')`);
  }
  return { ...loaded, task: task as ClassifierTask };
}

/** Evaluates a loaded classifier on `<root>/data/<split>`; crops of a class the model lacks are an error. */
export async function evaluateLoaded(loaded: LoadedModel & { task: ClassifierTask }, root: string, split: Split): Promise<Evaluation> {
  const { task, metadata } = loaded;
  const examples = await listTaskSplit(root, split, task);
  const missing = [...new Set(examples.map((e) => e.cls))].filter((c) => !metadata.classes.includes(c));
  if (missing.length) {
    throw new ModelFolderError(loaded.dir, `model classes (${metadata.classes.join(', ')}) lack ${missing.join(', ')} found in ${path.join(root, 'data', split)}`);
  }
  const x = await loadImages(examples.map((e) => e.file), metadata.inputShape);
  try {
    return await evaluateOn(loaded.model, task, metadata.classes, examples, x);
  } finally {
    x.dispose();
  }
}

export async function evaluateModelFolder(dir: string, root: string, split: Split, expectTask?: ClassifierTask): Promise<Evaluation & { task: ClassifierTask; model: string; split: Split }> {
  const loaded = await loadClassifier(dir, expectTask);
  try {
    const ev = await evaluateLoaded(loaded, root, split);
    return { ...ev, task: loaded.task, model: dir, split };
  } finally {
    loaded.model.dispose();
  }
}
