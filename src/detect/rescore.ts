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
  fittedOn?: {
    screenshots: number; positives: number; negatives: number; l2: number; source?: string; copyPaste?: number; prior?: boolean;
    /** fitted on the union of a base (the shipped fit, summarised: RescorerBase) and these screenshots */
    base?: { screenshots: number; positives: number; negatives: number; playerWeight: number };
    /** the file names of the screenshots it was fitted on beside its base (so that a later judgement scores it only on others) */
    seen?: string[];
  };
}

/**
 * What a fit learnt from its screenshots, in 81x81 numbers instead of its ~90,000 cells (Laplace): the
 * standardisation, the fitted weights, and per class the gradient and Hessian of the summed loss of
 * its cells at those weights. Fitting a new rescorer on the player's cells plus this quadratic is,
 * to second order, fitting it on the union of the player's cells and the base's.
 */
export interface RescorerBase {
  kind: 'coco-logits-laplace';
  /** standardisation of the base's logits (the parameter space of everything below) */
  mu: number[];
  sd: number[];
  /** 81 standardised parameters: the 80 weights, then the bias */
  theta: number[];
  screenshots: number;
  positives: number;
  negatives: number;
  l2: number;
  /** per class: gradient (81) and Hessian (upper triangle, row by row, 81 x 82 / 2) of the summed loss */
  pos: { g: number[]; h: number[] };
  neg: { g: number[]; h: number[] };
  /** the file names of the base's screenshots */
  seen?: string[];
  source?: string;
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
  /**
   * The summary of an earlier fit's cells (the shipped one's): the new rescorer is fitted on the union
   * of those cells and these samples (to second order), each sample cell counting `playerWeight` times.
   */
  base?: RescorerBase;
  /** How many base cells one of these samples' cells is worth (default 1: the plain union). */
  playerWeight?: number;
  epochs?: number;
  learningRate?: number;
}

interface Rows {
  xs: Float64Array[];
  ys: number[];
}

/** The labelled cells of samples as rows of 80 logits (ambiguous cells left out). */
function rescoreRows(samples: readonly RescoreSample[]): Rows {
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
  return { xs, ys };
}

const sigmoid = (t: number): number => 1 / (1 + Math.exp(-t));
const triIndex = (d: number, i: number, j: number): number => (i <= j ? i * d - (i * (i - 1)) / 2 + (j - i) : triIndex(d, j, i));

/**
 * Fits the rescorer: class-balanced logistic regression on standardised logits (standardisation
 * folded back into the weights). Throws when the samples hold no positive or no negative cell (with
 * a base: when the union holds none).
 */
export function fitRescorer(samples: readonly RescoreSample[], opts: FitOptions = {}): Rescorer {
  const l2 = opts.l2 ?? opts.base?.l2 ?? 0.01;
  const epochs = opts.epochs ?? 300;
  const lr = opts.learningRate ?? 0.1;
  const { xs, ys } = rescoreRows(samples);
  const base = opts.base;
  const rho = opts.playerWeight ?? 1;
  const positives = ys.filter((y) => y === 1).length;
  const negatives = ys.length - positives;
  const unionPos = positives * rho + (base?.positives ?? 0);
  const unionNeg = negatives * rho + (base?.negatives ?? 0);
  if (unionPos === 0 || unionNeg === 0) {
    throw new Error(`cannot fit a rescorer: ${positives} character cell(s) and ${negatives} background cell(s) in ${samples.length} screenshot(s) (need both)`);
  }
  const d = 80;
  const mu = new Float64Array(d);
  const sd = new Float64Array(d);
  if (base) {
    mu.set(base.mu);
    sd.set(base.sd);
  } else {
    for (const x of xs) for (let i = 0; i < d; i++) mu[i]! += x[i]! / xs.length;
    for (const x of xs) for (let i = 0; i < d; i++) sd[i]! += (x[i]! - mu[i]!) ** 2 / xs.length;
    for (let i = 0; i < d; i++) sd[i] = Math.sqrt(sd[i]!) || 1;
  }
  for (const x of xs) for (let i = 0; i < d; i++) x[i] = (x[i]! - mu[i]!) / sd[i]!;
  // Balanced: each class weighs half, however few characters there are among the cells.
  const wPos = (0.5 / unionPos) * rho;
  const wNeg = (0.5 / unionNeg) * rho;
  // The prior's weights in the standardised space of these samples (the penalty's centre).
  const centre = new Float64Array(d);
  if (opts.prior && !base) for (let i = 0; i < d; i++) centre[i] = opts.prior.weights[i]! * sd[i]!;
  const w = base ? Float64Array.from(base.theta.slice(0, d)) : Float64Array.from(centre);
  let b = base ? base.theta[d]! : 0;
  const g = new Float64Array(d);
  const delta = new Float64Array(d + 1);
  for (let e = 0; e < epochs; e++) {
    g.fill(0);
    let gb = 0;
    for (let n = 0; n < xs.length; n++) {
      const x = xs[n]!;
      let t = b;
      for (let i = 0; i < d; i++) t += w[i]! * x[i]!;
      const r = (sigmoid(t) - ys[n]!) * (ys[n] ? wPos : wNeg);
      for (let i = 0; i < d; i++) g[i]! += r * x[i]!;
      gb += r;
    }
    if (base) {
      // The base's cells, as the second-order expansion of their summed loss around its fit.
      for (let i = 0; i < d; i++) delta[i] = w[i]! - base.theta[i]!;
      delta[d] = b - base.theta[d]!;
      for (const [part, c] of [[base.pos, 0.5 / unionPos], [base.neg, 0.5 / unionNeg]] as const) {
        for (let i = 0; i <= d; i++) {
          let v = part.g[i]!;
          for (let j = 0; j <= d; j++) v += part.h[triIndex(d + 1, i, j)]! * delta[j]!;
          if (i < d) g[i]! += c * v;
          else gb += c * v;
        }
      }
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
    fittedOn: {
      screenshots: samples.length,
      positives,
      negatives,
      l2,
      ...(opts.prior && !base ? { prior: true } : {}),
      ...(base ? { base: { screenshots: base.screenshots, positives: base.positives, negatives: base.negatives, playerWeight: rho } } : {}),
    },
  };
}

/**
 * The summary (RescorerBase) of the cells of `samples` at the fitted `rescorer`: what a later fit
 * needs to fit on the union of these cells and its own without them. Standardised as fitRescorer
 * standardises these samples.
 */
export function summariseRescorerFit(samples: readonly RescoreSample[], rescorer: Rescorer, extra: Pick<RescorerBase, 'seen' | 'source'> & { screenshots?: number } = {}): RescorerBase {
  const { xs, ys } = rescoreRows(samples);
  const d = 80;
  const mu = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const x of xs) for (let i = 0; i < d; i++) mu[i]! += x[i]! / xs.length;
  for (const x of xs) for (let i = 0; i < d; i++) sd[i]! += (x[i]! - mu[i]!) ** 2 / xs.length;
  for (let i = 0; i < d; i++) sd[i] = Math.sqrt(sd[i]!) || 1;
  const theta = [...rescorer.weights.map((v, i) => v * sd[i]!), rescorer.bias + rescorer.weights.reduce((s, v, i) => s + v * mu[i]!, 0)];
  const size = ((d + 1) * (d + 2)) / 2;
  const parts = { pos: { g: new Array<number>(d + 1).fill(0), h: new Array<number>(size).fill(0) }, neg: { g: new Array<number>(d + 1).fill(0), h: new Array<number>(size).fill(0) } };
  const xt = new Float64Array(d + 1);
  for (let n = 0; n < xs.length; n++) {
    for (let i = 0; i < d; i++) xt[i] = (xs[n]![i]! - mu[i]!) / sd[i]!;
    xt[d] = 1;
    let t = 0;
    for (let i = 0; i <= d; i++) t += theta[i]! * xt[i]!;
    const p = sigmoid(t);
    const part = ys[n] ? parts.pos : parts.neg;
    const r = p - ys[n]!;
    const c = p * (1 - p);
    let k = 0;
    for (let i = 0; i <= d; i++) {
      part.g[i]! += r * xt[i]!;
      const ci = c * xt[i]!;
      for (let j = i; j <= d; j++) part.h[k++]! += ci * xt[j]!;
    }
  }
  const round = (v: number) => Number(v.toPrecision(7));
  const positives = ys.filter((y) => y === 1).length;
  return {
    kind: 'coco-logits-laplace',
    mu: mu.map(round),
    sd: sd.map(round),
    theta: theta.map(round),
    screenshots: extra.screenshots ?? samples.length,
    positives,
    negatives: ys.length - positives,
    l2: rescorer.fittedOn?.l2 ?? 0.01,
    pos: { g: parts.pos.g.map(round), h: parts.pos.h.map(round) },
    neg: { g: parts.neg.g.map(round), h: parts.neg.h.map(round) },
    ...(extra.seen ? { seen: extra.seen } : {}),
    ...(extra.source ? { source: extra.source } : {}),
  };
}

/** Checks a rescorer base read from a file; the reason when it is not one. */
export function rescorerBaseProblem(b: unknown): string | undefined {
  const x = b as Partial<RescorerBase> | undefined;
  if (!x || typeof x !== 'object') return 'is not an object';
  if (x.kind !== 'coco-logits-laplace') return `kind ${JSON.stringify(x.kind)} is not 'coco-logits-laplace'`;
  const n = (a: unknown, len: number) => Array.isArray(a) && a.length === len && a.every((v) => Number.isFinite(v));
  if (!n(x.mu, 80) || !n(x.sd, 80) || !n(x.theta, 81)) return 'mu, sd or theta has the wrong length';
  const size = (81 * 82) / 2;
  if (!n(x.pos?.g, 81) || !n(x.neg?.g, 81) || !n(x.pos?.h, size) || !n(x.neg?.h, size)) return 'a gradient or Hessian has the wrong length';
  if (!(Number(x.positives) >= 0 && Number(x.negatives) >= 0)) return 'positives/negatives are not counts';
  return undefined;
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
