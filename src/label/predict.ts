// The starting point of a screenshot without a VOC file: the current models' predictions, through the
// agent's own cascade (detector, then binary, suit + name or animal), through predictImage() as
// `toonvision predict` runs it. This is the one place the labelling page asks the models.
import { Pipeline } from '../predict/pipeline.ts';
import { bboxToBox, fineLabel } from '../predict/cascade.ts';
import { predictImage } from '../predict/predict.ts';
import type { ModelSet } from '../predict/models.ts';
import type { RgbImage } from '../image.ts';
import type { LabelObject } from './screenshots.ts';

/** The models' boxes on one image, least certain first, each with its score and `predicted: true`. */
export async function predictObjects(image: RgbImage, models: ModelSet): Promise<LabelObject[]> {
  if (!models.detector()) return [];
  const p = await predictImage(new Pipeline(models, { detector: 'model', track: false }), image);
  const out: LabelObject[] = [];
  for (const d of p.detections) {
    const box = bboxToBox(d.bbox, image.width, image.height);
    if (!box) continue;
    const score = Math.round((d.fineScore ?? d.score) * 1e4) / 1e4;
    out.push({ label: fineLabel(d), bbox: [box.xmin, box.ymin, box.xmax - box.xmin, box.ymax - box.ymin], difficult: false, score, predicted: true });
  }
  return out.sort((a, b) => a.score! - b.score!);
}
