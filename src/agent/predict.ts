// The agent's cascade on image files: `toonvision predict`, batch pre-labelling, `bench real` and
// the labelling page. The same Pipeline as the live loop (label reuse off: every file is new).
import type { Box, RgbImage } from '../image.ts';
import { readImage } from '../image.ts';
import { Pipeline } from './index.ts';
import type { LiveDetection } from './cascade.ts';
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
  return new Pipeline(models, { detector: 'model', labelReuse: 0 });
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
