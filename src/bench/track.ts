// `toonvision bench track`: what the detector cadence costs in boxes and what tracking saves in
// classifications. The frames of a folder (e.g. made by `bench frames`) go, in order, through two
// pipelines with the same models: one runs the detector on every frame, the other on every Nth with
// the tracker moving the characters on in between. On the frames the second one coasted, its boxes
// are compared with what the detector finds on the same frame.
import { createSource } from '../capture/index.ts';
import { bboxIou } from '../image.ts';
import { loadPredictor, Pipeline, type LiveDetection } from '../predict/index.ts';

export interface TrackBenchOptions {
  /** Folder of moving frames, replayed in name order. */
  dir: string;
  /** Run the detector on every Nth frame in the compared pipeline (default 2). */
  detectEvery?: number;
  /** Passes through the folder (default 1). */
  passes?: number;
  models?: string;
}

export interface TrackBenchResult {
  frames: number;
  detectEvery: number;
  /** Frames on which the compared pipeline moved the boxes by their motion instead of detecting. */
  coastedFrames: number;
  /** On coasted frames: the detector's boxes, and how many of them a coasted box of the same kind overlaps at IoU >= 0.5. */
  detectorBoxes: number;
  matched: number;
  /** matched / detectorBoxes, and coasted boxes that match no detector box over all coasted boxes. */
  recall: number;
  extra: number;
  /** Mean IoU of the matched pairs. */
  meanIou: number;
  /** The same recall for the detector's boxes of the frame before, left where they were (the baseline coasting must beat). */
  staleRecall: number;
  staleMeanIou: number;
  /** Matched pairs whose fine label (suit/name or animal) is the same. */
  sameFineLabel: number;
  /** Characters per frame, and those classified afresh per frame with tracking (the rest kept their track's labels). */
  detectionsPerFrame: number;
  classifiedPerFrame: number;
}

function fine(d: LiveDetection): string {
  return [d.label, d.suit ?? '', d.name ?? '', d.animal ?? ''].join('/');
}

/** Greedy one-to-one matching by IoU (highest first), same kind only. */
function matchBoxes(truth: readonly LiveDetection[], moved: readonly LiveDetection[]): { a: LiveDetection; b: LiveDetection; iou: number }[] {
  const pairs: { i: number; j: number; iou: number }[] = [];
  truth.forEach((a, i) =>
    moved.forEach((b, j) => {
      const v = a.label === b.label ? bboxIou(a.bbox, b.bbox) : 0;
      if (v >= 0.5) pairs.push({ i, j, iou: v });
    }),
  );
  pairs.sort((x, y) => y.iou - x.iou);
  const ui = new Set<number>();
  const uj = new Set<number>();
  const out: { a: LiveDetection; b: LiveDetection; iou: number }[] = [];
  for (const p of pairs) {
    if (ui.has(p.i) || uj.has(p.j)) continue;
    ui.add(p.i);
    uj.add(p.j);
    out.push({ a: truth[p.i]!, b: moved[p.j]!, iou: p.iou });
  }
  return out;
}

export async function runTrackBench(opts: TrackBenchOptions): Promise<TrackBenchResult> {
  const every = opts.detectEvery ?? 2;
  const base = await loadPredictor(opts.models ?? 'models');
  const everyFrame = new Pipeline(base.models, { detector: 'model', detectEvery: 1 });
  const cadenced = new Pipeline(base.models, { detector: 'model', detectEvery: every });
  const source = await createSource(`folder:${opts.dir}`);
  const files = Number((source.describe() as { screenshots?: number }).screenshots ?? 0);
  const total = Math.max(1, files) * (opts.passes ?? 1);
  let previous: LiveDetection[] = [];
  const stale = { matched: 0, iouSum: 0 };
  const r = { coastedFrames: 0, detectorBoxes: 0, matched: 0, movedBoxes: 0, unmatchedMoved: 0, iouSum: 0, sameFine: 0, dets: 0, classified: 0 };
  try {
    for (let i = 0; i < total; i++) {
      const g = await source.grab();
      if (!g.frame) throw new Error(`${opts.dir}: ${g.waiting}`);
      const a = await everyFrame.process(g.frame);
      const b = await cadenced.process(g.frame);
      const before = previous;
      previous = a.detections;
      r.dets += b.detections.length;
      r.classified += b.detections.length - b.reused;
      if (b.detector !== 'tracked') continue;
      for (const p of matchBoxes(a.detections, before)) {
        stale.matched++;
        stale.iouSum += p.iou;
      }
      r.coastedFrames++;
      const m = matchBoxes(a.detections, b.detections);
      r.detectorBoxes += a.detections.length;
      r.movedBoxes += b.detections.length;
      r.matched += m.length;
      r.unmatchedMoved += b.detections.length - m.length;
      for (const p of m) {
        r.iouSum += p.iou;
        if (fine(p.a) === fine(p.b)) r.sameFine++;
      }
    }
  } finally {
    source.close();
  }
  const round = (x: number, k = 100) => Math.round(x * k) / k;
  return {
    frames: total,
    detectEvery: every,
    coastedFrames: r.coastedFrames,
    detectorBoxes: r.detectorBoxes,
    matched: r.matched,
    recall: r.detectorBoxes ? round(r.matched / r.detectorBoxes, 1000) : 0,
    extra: r.movedBoxes ? round(r.unmatchedMoved / r.movedBoxes, 1000) : 0,
    meanIou: r.matched ? round(r.iouSum / r.matched, 1000) : 0,
    staleRecall: r.detectorBoxes ? round(stale.matched / r.detectorBoxes, 1000) : 0,
    staleMeanIou: stale.matched ? round(stale.iouSum / stale.matched, 1000) : 0,
    sameFineLabel: r.matched ? round(r.sameFine / r.matched, 1000) : 0,
    detectionsPerFrame: round(r.dets / total),
    classifiedPerFrame: round(r.classified / total),
  };
}
