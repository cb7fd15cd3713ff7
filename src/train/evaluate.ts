// Evaluation on a split: accuracy, loss, per-class precision/recall/F1/support, confusion matrix and
// the wrong predictions ranked by the article's error E (A is the raw output).
import type { ClassifierTask } from '../taxonomy.ts';
import { TASK_CLASSES } from '../taxonomy.ts';
import type { Example } from './data.ts';
import { interpretOutput, predictRows } from '../model/classify.ts';
import type { LayersModel, Tensor4D } from '@tensorflow/tfjs';

/** Keras' epsilon for clipping probabilities in the cross-entropy. */
const EPSILON = 1e-7;

export interface WrongPrediction {
  file: string;
  /** true class */
  label: string;
  predicted: string;
  /** E: how far the model's output is from the true class: |y - A| for binary, 1 - P(true class) otherwise */
  error: number;
  /** A: the model's output (P(toon) for binary; the predicted class's probability otherwise) */
  A: number;
  /** the raw model output */
  output: number[];
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Evaluation {
  accuracy: number;
  loss: number;
  classes: string[];
  perClass: Record<string, ClassMetrics>;
  /** confusion[true][predicted] */
  confusion: number[][];
  wrong: WrongPrediction[];
  count: number;
}

/** Raw model outputs for every row of x (one array per row), `batchSize` rows per forward pass. */
async function predictAll(model: LayersModel, x: Tensor4D, batchSize = 64): Promise<number[][]> {
  const n = x.shape[0];
  const out: number[][] = [];
  for (let i = 0; i < n; i += batchSize) {
    const size = Math.min(batchSize, n - i);
    out.push(...(await predictRows(model, () => x.slice([i, 0, 0, 0], [size, -1, -1, -1]), size)));
  }
  return out;
}

/** Metrics from raw outputs (pure; unit-tested). `classes` is the model's class list in output order. */
export function scoreOutputs(task: ClassifierTask, classes: readonly string[], examples: readonly Example[], outputs: readonly number[][]): Evaluation {
  const k = classes.length;
  const confusion = classes.map(() => new Array<number>(k).fill(0));
  const wrong: WrongPrediction[] = [];
  let lossSum = 0;
  let correct = 0;
  const meta = { task, classes: [...classes] }; // the predicted class as inference picks it
  examples.forEach((ex, i) => {
    const out = outputs[i]!;
    const truth = classes.indexOf(ex.cls);
    if (truth < 0) throw new Error(`${ex.file}: class '${ex.cls}' is not one of the model's classes (${classes.join(', ')})`);
    let pred: number;
    let error: number;
    let A: number;
    if (task === 'binary') {
      const p = out[0]!;
      const y = truth; // classes [cog, toon]: 1 = toon
      const pc = Math.min(Math.max(p, EPSILON), 1 - EPSILON);
      lossSum += -(y * Math.log(pc) + (1 - y) * Math.log(1 - pc));
      pred = interpretOutput(meta, out).classIndex;
      error = Math.abs(y - p);
      A = p;
    } else {
      const pt = Math.min(Math.max(out[truth]!, EPSILON), 1 - EPSILON);
      lossSum += -Math.log(pt);
      pred = interpretOutput(meta, out).classIndex;
      error = 1 - out[truth]!;
      A = out[pred]!;
    }
    confusion[truth]![pred]!++;
    if (pred === truth) correct++;
    else wrong.push({ file: ex.file, label: ex.cls, predicted: classes[pred]!, error, A, output: out });
  });
  wrong.sort((a, b) => b.error - a.error);
  const perClass: Record<string, ClassMetrics> = {};
  classes.forEach((c, i) => {
    const tp = confusion[i]![i]!;
    const support = confusion[i]!.reduce((s, v) => s + v, 0);
    const predicted = confusion.reduce((s, row) => s + row[i]!, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[c] = { precision, recall, f1, support };
  });
  const n = examples.length;
  return {
    accuracy: n ? correct / n : 0,
    loss: n ? lossSum / n : 0,
    classes: [...classes],
    perClass,
    confusion,
    wrong,
    count: n,
  };
}

export async function evaluateOn(model: LayersModel, task: ClassifierTask, classes: readonly string[] = TASK_CLASSES[task], examples: readonly Example[], x: Tensor4D): Promise<Evaluation> {
  const outputs = await predictAll(model, x);
  return scoreOutputs(task, classes, examples, outputs);
}

/**
 * The article's rule for keeping a run: its test accuracy is higher AND its test loss lower than
 * the best run so far (the first run is always kept).
 */
export function isBetterRun(candidate: { accuracy: number; loss: number }, best: { accuracy: number; loss: number } | undefined): boolean {
  if (!best) return true;
  return candidate.accuracy > best.accuracy && candidate.loss < best.loss;
}
