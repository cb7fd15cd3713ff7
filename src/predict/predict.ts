// The agent's cascade on image files: `toonvision predict`, batch pre-labelling, `bench real` and
// the labelling page. The same Pipeline as the live loop (label reuse off: every file is new).
import type { Box, RgbImage } from '../image.ts';
import { readImage } from '../image.ts';
import { Pipeline } from './pipeline.ts';
import { bboxToBox, fineLabel, type LiveDetection } from './cascade.ts';
import path from 'node:path';
import type { DetectorScene } from '../detect/evaluate.ts';
import type { VocAnnotation } from '../dataset/voc.ts';
import { ModelSet } from './models.ts';

export interface Prediction {
  width: number;
  height: number;
  detections: LiveDetection[];
}

/** A Pipeline over the models the agent would load (`dir` first, then the shipped ones), not watched. */
export async function loadPredictor(dir = 'models', opts: { packageDemo?: boolean } = {}): Promise<Pipeline> {
  const models = new ModelSet({ dir, watch: false, packageDemo: opts.packageDemo });
  await models.loadAll();
  return new Pipeline(models, { detector: 'model', track: false });
}

/**
 * Detect + classify one image; with `box` the detector is skipped and that box alone is classified.
 * `kindScore` (the binary model's own confidence) stays internal: the contract's fields only.
 */
export async function predictImage(pipeline: Pipeline, image: RgbImage, box?: Box): Promise<Prediction> {
  let detections: LiveDetection[];
  if (box) {
    detections = await pipeline.classifyBoxes(image, [[box.xmin, box.ymin, box.xmax - box.xmin, box.ymax - box.ymin]]);
  } else {
    const t = performance.now();
    const r = await pipeline.process({
      image,
      capturedAt: Date.now(),
      startedAt: t,
      captureMs: 0,
      window: { x: 0, y: 0, width: image.width, height: image.height, scaleFactor: 1 },
      source: 'folder',
    });
    detections = r.detections;
  }
  return { width: image.width, height: image.height, detections: detections.map(({ kindScore: _k, ...d }) => d) };
}

/** Reads an image file (PNG, JPEG, GIF's first frame, ...) and predicts it. */
export async function predictFile(pipeline: Pipeline, file: string, box?: Box): Promise<Prediction> {
  return predictImage(pipeline, await readImage(file), box);
}

/**
 * The teacher: the agent's cascade labels unlabelled frames (files) for the student detector.
 * Detections at `minScore` and above become the frame's objects (fine labels where the classifiers
 * gave them); frames that cannot be read are skipped and listed.
 */
export async function teacherScenes(pipeline: Pipeline, files: readonly string[], minScore = 0.5): Promise<{ scenes: DetectorScene[]; skipped: { file: string; reason: string }[] }> {
  const scenes: DetectorScene[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const file of files) {
    try {
      const image = await readImage(file);
      const p = await predictImage(pipeline, image);
      const objects = p.detections
        .filter((d) => d.score >= minScore)
        .map((d) => ({ label: fineLabel(d), box: bboxToBox(d.bbox, image.width, image.height)! }))
        .filter((o) => o.box);
      scenes.push({ image, objects, file });
    } catch (err) {
      skipped.push({ file, reason: (err as Error).message.split('\n')[0]! });
    }
  }
  return { scenes, skipped };
}

/** The VOC annotation of a prediction, in labelImg's form (fine labels where known, else cog/toon). */
export function predictionToVoc(file: string, p: Prediction): VocAnnotation {
  const objects = p.detections.flatMap((d) => {
    const box = bboxToBox(d.bbox, p.width, p.height);
    return box ? [{ name: fineLabel(d), pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: box }] : [];
  });
  return {
    folder: path.basename(path.dirname(path.resolve(file))),
    filename: path.basename(file),
    path: path.resolve(file),
    source: { database: 'Unknown' },
    size: { width: p.width, height: p.height, depth: 3 },
    segmented: 0,
    objects,
  };
}
