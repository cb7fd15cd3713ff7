// Detection quality, Pascal VOC style: per class, detections sorted by score are matched to the
// unmatched ground-truth box of highest IoU (>= 0.5); AP is the area under the precision-recall
// curve made monotone (VOC 2010+ all-points interpolation); mAP50 is the mean over the classes.
import type { Box, RgbImage } from '../image.ts';
import { iou, type Detection } from './decode.ts';
import { DETECTOR_CLASSES, type DetectorClass } from './model.ts';

/** A labelled frame: an image and its objects (labels like `cog_sb_coldcaller`, `toon_dog`, or `cog`). */
export interface DetectorScene {
  image: RgbImage;
  objects: SceneObject[];
  /** Where it came from, for messages. */
  file?: string;
}

/** A labelled object; `difficult` ones (VOC `<difficult>1</difficult>`) are never scored. */
export interface SceneObject {
  label: string;
  box: Box;
  difficult?: boolean;
}

/** The detector class of a label: its kind (`cog_sb_coldcaller` -> `cog`), or undefined if neither. */
export function detectorClassOf(label: string): DetectorClass | undefined {
  const kind = label.trim().toLowerCase().split('_')[0];
  return (DETECTOR_CLASSES as readonly string[]).includes(kind ?? '') ? (kind as DetectorClass) : undefined;
}

export interface ClassAp {
  /** Average precision at IoU 0.5, or null when the class has no ground-truth box. */
  ap: number | null;
  /** Ground-truth boxes. */
  gt: number;
  /** Detections at or above the reporting threshold that matched / did not match. */
  tp: number;
  fp: number;
  /** At the reporting threshold. */
  precision: number;
  recall: number;
}

export interface ApResult {
  mAP50: number;
  perClass: Record<DetectorClass, ClassAp>;
  /** Class-agnostic: any character found, whatever label the detector gave it. */
  any: ClassAp;
  iouThreshold: number;
}

/** VOC all-points AP from detections sorted by score: flags of true positives, and the GT count. */
export function averagePrecision(tpSorted: readonly boolean[], gtCount: number): number {
  if (gtCount === 0) return 0;
  const n = tpSorted.length;
  const prec: number[] = [];
  const rec: number[] = [];
  let tp = 0;
  for (let i = 0; i < n; i++) {
    if (tpSorted[i]) tp++;
    prec.push(tp / (i + 1));
    rec.push(tp / gtCount);
  }
  const mrec = [0, ...rec, 1];
  const mpre = [0, ...prec, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i]!, mpre[i + 1]!);
  let ap = 0;
  for (let i = 1; i < mrec.length; i++) {
    if (mrec[i] !== mrec[i - 1]) ap += (mrec[i]! - mrec[i - 1]!) * mpre[i]!;
  }
  return ap;
}

/**
 * One class (or every class at once): detections sorted by score are matched greedily to the
 * unmatched ground-truth box of highest IoU. As in VOC, a detection whose best match is a difficult
 * box counts neither way, and difficult boxes are not in the ground-truth count.
 */
function scoreClass(
  dets: readonly { img: number; d: Detection }[],
  gts: readonly { bbox: number[]; difficult: boolean }[][],
  thr: number,
  report: number,
): ClassAp {
  const gtCount = gts.reduce((s, g) => s + g.filter((o) => !o.difficult).length, 0);
  const sorted = [...dets].sort((a, b) => b.d.score - a.d.score);
  const used = gts.map((g) => g.map(() => false));
  const flags: boolean[] = [];
  let tp = 0;
  let fp = 0;
  for (const { img, d } of sorted) {
    let best = -1;
    let bestIou = 0;
    gts[img]!.forEach((g, j) => {
      const o = iou(d.bbox, g.bbox);
      if (o > bestIou) {
        bestIou = o;
        best = j;
      }
    });
    if (best >= 0 && bestIou >= thr && gts[img]![best]!.difficult) continue;
    const hit = best >= 0 && bestIou >= thr && !used[img]![best];
    if (hit) used[img]![best] = true;
    flags.push(hit);
    if (d.score >= report) {
      if (hit) tp++;
      else fp++;
    }
  }
  return {
    ap: gtCount > 0 ? averagePrecision(flags, gtCount) : null,
    gt: gtCount,
    tp,
    fp,
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: gtCount > 0 ? tp / gtCount : 0,
  };
}

/**
 * Scores per-image detections against per-image ground truth. `reportThreshold` is the score above
 * which tp/fp/precision/recall are counted (AP uses every detection). Difficult objects are ignored.
 */
export function computeAp(
  predictions: readonly (readonly Detection[])[],
  groundTruth: readonly (readonly SceneObject[])[],
  opts: { iouThreshold?: number; reportThreshold?: number } = {},
): ApResult {
  if (predictions.length !== groundTruth.length) {
    throw new RangeError(`${predictions.length} prediction lists for ${groundTruth.length} images`);
  }
  const thr = opts.iouThreshold ?? 0.5;
  const report = opts.reportThreshold ?? 0.3;
  const gtOf = (keep: (o: SceneObject) => boolean) =>
    groundTruth.map((objs) =>
      objs.filter(keep).map((o) => ({
        bbox: [o.box.xmin, o.box.ymin, o.box.xmax - o.box.xmin, o.box.ymax - o.box.ymin],
        difficult: o.difficult === true,
      })),
    );
  const detsOf = (keep: (d: Detection) => boolean) => predictions.flatMap((ds, img) => ds.filter(keep).map((d) => ({ img, d })));
  const perClass = {} as Record<DetectorClass, ClassAp>;
  const aps: number[] = [];
  for (const cls of DETECTOR_CLASSES) {
    const c = scoreClass(detsOf((d) => d.label === cls), gtOf((o) => detectorClassOf(o.label) === cls), thr, report);
    if (c.ap !== null) aps.push(c.ap);
    perClass[cls] = c;
  }
  const any = scoreClass(detsOf(() => true), gtOf((o) => detectorClassOf(o.label) !== undefined), thr, report);
  return { mAP50: aps.length ? aps.reduce((s, a) => s + a, 0) / aps.length : 0, perClass, any, iouThreshold: thr };
}
