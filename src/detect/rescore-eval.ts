// Measuring a rescorer: AP of scored cells, K-fold cross-validation by screenshot (with the derived
// copy-paste samples kept out of the folds whose pixels they hold) and the best-F1 threshold.
import seedrandom from 'seedrandom';
import { shuffleInPlace } from '../shuffle.ts';
import type { DecodeParams, Detection } from './decode.ts';
import { computeAp, type SceneObject } from './evaluate.ts';
import { cellsToDetections, type NanodetInfo } from './pretrained.ts';
import { fitRescorer, type DerivedSample, type FitOptions, type RescoreSample } from './rescore.ts';

type ScoreInfo = Pick<NanodetInfo, 'characterClasses' | 'rescore'>;

/** Class-agnostic AP@0.5 of cells scored by `info` (a rescorer or the plain character classes). */
export function samplesAp(samples: readonly RescoreSample[], info: ScoreInfo, decode: DecodeParams): number {
  const preds: Detection[][] = samples.map((s) => cellsToDetections(s.cells, info, { ...decode, threshold: 0.01, topK: 100 }));
  return computeAp(preds, samples.map((s) => s.objects)).any.ap ?? 0;
}

/** Per fold, which samples it holds out and the AP@0.5 (any character) found there. */
export interface FoldFigures {
  test: number[];
  anyAP50: number;
}

/**
 * K-fold cross-validation by screenshot: each screenshot is scored by a rescorer fitted on the
 * other folds (and the derived samples made only from them), then AP is taken over all of them. What a rescorer fitted on every screenshot can be
 * expected to do on screenshots it has not seen. With `judged`, only the first `judged` samples are
 * split into folds and scored; the others always train (screenshots the current model has seen).
 */
export function crossValidatedAp(
  samples: readonly RescoreSample[],
  opts: FitOptions & { folds?: number; seed?: number; characterClasses: number[]; decode: DecodeParams; derived?: readonly DerivedSample[]; judged?: number },
): { anyAP50: number; folds: number; threshold: number; precision: number; recall: number; perFold: FoldFigures[]; preds: Detection[][] } {
  const n = opts.judged ?? samples.length;
  const k = Math.min(opts.folds ?? 5, n);
  if (k < 2) throw new Error(`cross-validation needs at least 2 screenshots, got ${n}`);
  const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), seedrandom(`toonvision-rescore:${opts.seed ?? 1}`));
  const always = samples.slice(n);
  const preds: Detection[][] = new Array(n);
  const perFold: FoldFigures[] = [];
  for (let f = 0; f < k; f++) {
    const test = order.filter((_, j) => j % k === f);
    const testSet = new Set(test);
    // Derived samples join a fold's training only when none of their pixels come from its test part.
    const train = [...order.filter((_, j) => j % k !== f).map((i) => samples[i]!), ...always, ...(opts.derived ?? []).filter((d) => d.sources.every((x) => !testSet.has(x)))];
    let info: ScoreInfo;
    try {
      info = { characterClasses: opts.characterClasses, rescore: fitRescorer(train, opts) };
    } catch {
      info = { characterClasses: opts.characterClasses }; // a fold without characters: the plain score
    }
    for (const i of test) preds[i] = cellsToDetections(samples[i]!.cells, info, { ...opts.decode, threshold: 0.01, topK: 100 });
    perFold.push({ test, anyAP50: computeAp(test.map((i) => preds[i]!), test.map((i) => samples[i]!.objects)).any.ap ?? 0 });
  }
  const truth = samples.slice(0, n).map((s) => s.objects);
  return { anyAP50: computeAp(preds, truth).any.ap ?? 0, folds: k, ...bestF1Threshold(preds, truth), perFold, preds };
}

/**
 * The spread of a cross-validated comparison: the standard error of the per-fold differences
 * (new - current), sqrt(var / K) with the sample variance over the K folds. A new model "wins" when
 * its pooled figure beats the current one's by more than this; 0 with a single fold.
 */
export function foldSpread(differences: readonly number[]): number {
  const k = differences.length;
  if (k < 2) return 0;
  const mean = differences.reduce((a, b) => a + b, 0) / k;
  const v = differences.reduce((a, b) => a + (b - mean) ** 2, 0) / (k - 1);
  return Math.sqrt(v / k);
}

/** The score threshold with the best F1 (any character) over these detections: where the agent should draw boxes. */
export function bestF1Threshold(preds: readonly (readonly Detection[])[], truth: readonly (readonly SceneObject[])[]): { threshold: number; precision: number; recall: number } {
  let best = { threshold: 0.5, precision: 0, recall: 0, f1: -1 };
  for (let t = 0.05; t < 0.995; t += 0.01) {
    const a = computeAp(preds, truth, { reportThreshold: t }).any;
    const f1 = a.precision + a.recall > 0 ? (2 * a.precision * a.recall) / (a.precision + a.recall) : 0;
    if (f1 > best.f1) best = { threshold: Math.round(t * 100) / 100, precision: a.precision, recall: a.recall, f1 };
  }
  return { threshold: best.threshold, precision: best.precision, recall: best.recall };
}
