// The rescorer: a character-vs-rest score over all 80 COCO class scores of a NanoDet cell, fitted on
// labelled real screenshots. Zero-shot, NanoDet's `person` score alone finds the Cogs but gives many
// Toons 0.1-0.2 while they score higher as `teddy bear`, `fire hydrant`, `vase` or `bird`; almost
// every character has a cell with a snug box (IoU >= 0.5), only ranked below the background. A
// logistic regression on the 80 logits learns which mixture means "a ToonTown character", from a
// handful of screenshots, in a second: it is what makes 20 labelled screenshots pay off.
//
// Written by hand: 81 weights of a convex problem, full-batch gradient descent in plain arrays is
// exact, deterministic on every backend and a few dozen lines; a tensor library adds nothing here.
import { bboxIou } from '../image.ts';
import type { SceneObject } from './evaluate.ts';
import type { NanodetCell } from './types.ts';

/** Cells whose best COCO score is below this are never candidates (the same at fitting and inference). */
export const RESCORE_CELL_FLOOR = 0.03;
/** A cell counts as a character when its box overlaps one this much, as background below NEGATIVE_IOU. */
const POSITIVE_IOU = 0.5;
const NEGATIVE_IOU = 0.4;

export interface Rescorer {
  kind: 'coco-logits-logistic';
  /** One weight per COCO class logit, and the bias: score = sigmoid(bias + sum w_k logit(s_k)). */
  weights: number[];
  bias: number;
  /** What it was fitted on, for the model card. */
  fittedOn?: { screenshots: number; positives: number; negatives: number; l2: number; source?: string; copyPaste?: number; prior?: boolean };
}

export interface RescoreSample {
  cells: readonly NanodetCell[];
  objects: readonly SceneObject[];
}

/** A made-up sample (copy-paste) and the indexes of the screenshots its pixels came from. */
export interface DerivedSample extends RescoreSample {
  sources: readonly number[];
}

const logit = (p: number): number => {
  const v = Math.min(0.999, Math.max(1e-3, p));
  return Math.log(v / (1 - v));
};

export function rescoreCell(r: Rescorer, scores: ArrayLike<number>): number {
  let t = r.bias;
  for (let k = 0; k < r.weights.length; k++) t += r.weights[k]! * logit(scores[k]!);
  return 1 / (1 + Math.exp(-t));
}

/** 1 where the cell's box matches a scored object, 0 where it overlaps none, null in between or on a difficult one. */
export function cellTarget(cell: NanodetCell, objects: readonly SceneObject[]): 0 | 1 | null {
  const [x0, y0, x1, y1] = cell.box;
  let best = 0;
  let difficult = false;
  for (const o of objects) {
    const v = bboxIou([x0, y0, x1 - x0, y1 - y0], [o.box.xmin, o.box.ymin, o.box.xmax - o.box.xmin, o.box.ymax - o.box.ymin]);
    if (v > best) {
      best = v;
      difficult = o.difficult === true;
    }
  }
  if (best >= POSITIVE_IOU) return difficult ? null : 1;
  return best < NEGATIVE_IOU ? 0 : null;
}

export interface FitOptions {
  /** L2 penalty on the standardised weights (default 0.01), or on their distance to `prior`'s. */
  l2?: number;
  /** A rescorer fitted before (the shipped one): the new weights are pulled towards it, not towards 0. */
  prior?: Rescorer;
  epochs?: number;
  learningRate?: number;
}

/**
 * Fits the rescorer: class-balanced logistic regression on standardised logits (standardisation
 * folded back into the weights). Throws when the samples hold no positive or no negative cell.
 */
export function fitRescorer(samples: readonly RescoreSample[], opts: FitOptions = {}): Rescorer {
  const l2 = opts.l2 ?? 0.01;
  const epochs = opts.epochs ?? 300;
  const lr = opts.learningRate ?? 0.1;
  const xs: Float64Array[] = [];
  const ys: number[] = [];
  for (const s of samples) {
    for (const c of s.cells) {
      const y = cellTarget(c, s.objects);
      if (y === null) continue;
      xs.push(Float64Array.from(c.scores, logit));
      ys.push(y);
    }
  }
  const positives = ys.filter((y) => y === 1).length;
  const negatives = ys.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error(`cannot fit a rescorer: ${positives} character cell(s) and ${negatives} background cell(s) in ${samples.length} screenshot(s) (need both)`);
  }
  const d = xs[0]!.length;
  const mu = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const x of xs) for (let i = 0; i < d; i++) mu[i]! += x[i]! / xs.length;
  for (const x of xs) for (let i = 0; i < d; i++) sd[i]! += (x[i]! - mu[i]!) ** 2 / xs.length;
  for (let i = 0; i < d; i++) sd[i] = Math.sqrt(sd[i]!) || 1;
  for (const x of xs) for (let i = 0; i < d; i++) x[i] = (x[i]! - mu[i]!) / sd[i]!;
  // Balanced: each class weighs half, however few characters there are among the cells.
  const wPos = 0.5 / positives;
  const wNeg = 0.5 / negatives;
  // The prior's weights in the standardised space of these samples (the penalty's centre).
  const centre = new Float64Array(d);
  if (opts.prior) for (let i = 0; i < d; i++) centre[i] = opts.prior.weights[i]! * sd[i]!;
  const w = Float64Array.from(centre);
  let b = 0;
  const g = new Float64Array(d);
  for (let e = 0; e < epochs; e++) {
    g.fill(0);
    let gb = 0;
    for (let n = 0; n < xs.length; n++) {
      const x = xs[n]!;
      let t = b;
      for (let i = 0; i < d; i++) t += w[i]! * x[i]!;
      const r = (1 / (1 + Math.exp(-t)) - ys[n]!) * (ys[n] ? wPos : wNeg);
      for (let i = 0; i < d; i++) g[i]! += r * x[i]!;
      gb += r;
    }
    for (let i = 0; i < d; i++) w[i]! -= lr * (g[i]! + l2 * (w[i]! - centre[i]!));
    b -= lr * gb;
  }
  const weights = Array.from(w, (v, i) => v / sd[i]!);
  const bias = b - weights.reduce((s, v, i) => s + v * mu[i]!, 0);
  return {
    kind: 'coco-logits-logistic',
    weights: weights.map((v) => Math.round(v * 1e6) / 1e6),
    bias: Math.round(bias * 1e6) / 1e6,
    fittedOn: { screenshots: samples.length, positives, negatives, l2, ...(opts.prior ? { prior: true } : {}) },
  };
}

/** Checks a rescorer read from a metadata.json; the reason when it is not one. */
export function rescorerProblem(r: unknown): string | undefined {
  const x = r as Partial<Rescorer> | undefined;
  if (!x || typeof x !== 'object') return 'is not an object';
  if (x.kind !== 'coco-logits-logistic') return `kind ${JSON.stringify(x.kind)} is not 'coco-logits-logistic'`;
  if (!Array.isArray(x.weights) || x.weights.length !== 80 || !x.weights.every((v) => Number.isFinite(v))) return 'weights are not 80 finite numbers';
  if (!Number.isFinite(x.bias)) return 'bias is not a finite number';
  return undefined;
}
