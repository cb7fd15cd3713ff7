// A classifier model folder loaded the way the detector is (coco-ssd's shape): `loadClassifier(dir)`,
// then `classify(image, boxes)` -> one {label, score, classIndex, output} per box, and `dispose()`.
// It is a LoadedModel too, so the cascade batches several classifiers over one frame's crops.
import { initEngine, initInference } from '../engine/index.ts';
import type { Box, RgbImage } from '../image.ts';
import { classifyCrops, wholeImage, type Classification, type ClassifyOptions } from '../model/classify.ts';
import { disposeLoaded, loadModelFolder, ModelFolderError, type LoadedModel } from '../model/folder.ts';
import type { ClassifierTask } from '../taxonomy.ts';

export interface Classifier extends LoadedModel {
  readonly task: ClassifierTask;
  /** One result per box (end-exclusive pixel boxes inside the image); the whole image without boxes. */
  classify(img: RgbImage, boxes?: readonly Box[], opts?: ClassifyOptions): Promise<Classification[]>;
  dispose(): void;
}

/** Wraps a loaded classifier folder (its metadata's task must not be 'detector'). */
export function asClassifier(loaded: LoadedModel): Classifier {
  const task = loaded.metadata.task;
  if (task === 'detector') {
    disposeLoaded(loaded);
    throw new ModelFolderError(loaded.dir, "is a detector model; classify needs a classifier (use 'toonvision detect')");
  }
  let disposed = false;
  return Object.assign(loaded, {
    task: task as ClassifierTask,
    classify(img: RgbImage, boxes?: readonly Box[], opts?: ClassifyOptions): Promise<Classification[]> {
      if (disposed) return Promise.reject(new Error(`${loaded.dir}: classifier was disposed`));
      return classifyCrops(loaded, img, boxes ?? [wholeImage(img)], opts);
    },
    dispose(): void {
      if (!disposed) disposeLoaded(loaded);
      disposed = true;
    },
  });
}

/** Loads a classifier folder on the inference runtime chosen for this process; errors name the folder. */
export async function loadClassifier(dir: string, task?: ClassifierTask): Promise<Classifier> {
  await initEngine();
  await initInference();
  return asClassifier(await loadModelFolder(dir, task));
}
