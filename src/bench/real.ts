// `toonvision bench real`: the shipped (or given) models on labelled real ToonTown screenshots.
// Detection: Pascal VOC AP@0.5 for cog, toon and any character (difficult objects ignored), through
// the agent's cascade (detector boxes relabelled by the binary model). Classification: each task's
// accuracy on the hand-drawn boxes whose labels inform it (binary: all; suit: cog_<suit> and finer;
// name and animal: fine labels). `--folds K` cross-validates `retrain`: train on K-1 parts of the
// screenshots, test on the held-out part, so that the figure measures generalisation, not memory.
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyDetections, type LiveDetection } from '../predict/cascade.ts';
import { loadPredictor } from '../predict/predict.ts';
import type { Pipeline } from '../predict/pipeline.ts';
import { roundDetection } from '../detect/decode.ts';
import { listScenePairs, loadScenes } from '../detect/data.ts';
import { computeAp, type ApResult, type DetectorScene } from '../detect/evaluate.ts';
import { engineInfo } from '../engine/index.ts';
import { shuffleInPlace } from '../shuffle.ts';
import seedrandom from 'seedrandom';
import { CLASSIFIER_TASKS, classForTask, parseAnyLabel, type ClassifierTask, type Task } from '../taxonomy.ts';
import type { Progress } from '../train/progress.ts';
import { makeProgress } from '../train/progress.ts';

/** The real-game targets of the real-eval issue: detection on unseen screenshots, and each task on real boxes. */
export const REAL_TARGETS = { mAP50: 0.6, anyAP50: 0.7, binary: 0.95, suit: 0.95, name: 0.6, animal: 0.6 } as const;

/** `../shared/fixtures/real-eval/screenshots` beside the project, when it is there. */
export function defaultRealDir(sub = 'screenshots'): string | undefined {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'fixtures', 'real-eval', sub);
  return existsSync(dir) ? dir : undefined;
}

export interface TaskAccuracy {
  accuracy: number | null;
  correct: number;
  boxes: number;
  target: number;
}

export interface RealBenchResult {
  dir: string;
  screenshots: number;
  /** scored objects (difficult ones left out) and difficult ones */
  objects: number;
  difficult: number;
  detection: { mAP50: number; cog: number | null; toon: number | null; any: number | null; anyRecall: number; anyPrecision: number };
  targets: typeof REAL_TARGETS;
  tasks: Record<ClassifierTask, TaskAccuracy>;
  /** Mean wall time of detect + classify per screenshot. */
  msPerScreenshot: number;
  backend: string;
  models: Record<string, { dir: string; origin: string } | null>;
  folds?: { k: number; seed: number; retrain: { fold: number; train: number; test: number; installed: string[]; seconds: number }[] };
}

interface Collected {
  preds: LiveDetection[][];
  truth: DetectorScene['objects'][];
  taskHits: Record<ClassifierTask, { correct: number; boxes: number }>;
  ms: number;
}

function emptyHits(): Record<ClassifierTask, { correct: number; boxes: number }> {
  return Object.fromEntries(CLASSIFIER_TASKS.map((t) => [t, { correct: 0, boxes: 0 }])) as Record<ClassifierTask, { correct: number; boxes: number }>;
}

/** Runs the cascade and each classifier on the scenes; appends into `into`. */
async function collect(pipeline: Pipeline, scenes: readonly DetectorScene[], into: Collected, progress?: Progress): Promise<void> {
  const det = pipeline.models.detector();
  let n = 0;
  for (const s of scenes) {
    const t0 = performance.now();
    // A low threshold so that the precision-recall curve is complete (VOC practice).
    const found = det ? (await det.detect(s.image, { threshold: 0.05, topK: 100 })).map(roundDetection) : [];
    const labelled = await classifyDetections(s.image, found, pipeline.classifiers());
    into.ms += performance.now() - t0;
    into.preds.push(labelled);
    into.truth.push(s.objects);
    const scored = s.objects.filter((o) => !o.difficult);
    for (const task of CLASSIFIER_TASKS) {
      const model = pipeline.models.classifier(task);
      if (!model) continue;
      const rows = scored
        .map((o) => ({ box: o.box, cls: safeClass(task, o.label) }))
        .filter((r): r is { box: typeof r.box; cls: string } => r.cls !== undefined);
      if (rows.length === 0) continue;
      const out = await model.classify(s.image, rows.map((r) => r.box));
      rows.forEach((r, i) => {
        into.taskHits[task].boxes++;
        if (out[i]!.label === r.cls) into.taskHits[task].correct++;
      });
    }
    const at = det?.metadata.detector.decode.threshold ?? 0.3;
    progress?.line(`  ${++n}/${scenes.length} ${path.basename(s.file ?? '')}: ${labelled.filter((d) => d.score >= at).length} detection(s) at score >= ${at}`);
  }
}

function safeClass(task: Task, label: string): string | undefined {
  try {
    return classForTask(task, parseAnyLabel(label));
  } catch {
    return undefined;
  }
}

function summarise(dir: string, c: Collected, pipeline: Pipeline): Omit<RealBenchResult, 'folds'> {
  // Precision and recall where the agent draws boxes: the detector's own threshold.
  const ap: ApResult = computeAp(c.preds, c.truth, { reportThreshold: pipeline.models.detector()?.metadata.detector.decode.threshold ?? 0.3 });
  const all = c.truth.flat();
  const tasks = Object.fromEntries(
    CLASSIFIER_TASKS.map((t) => {
      const h = c.taskHits[t];
      return [t, { accuracy: h.boxes ? h.correct / h.boxes : null, correct: h.correct, boxes: h.boxes, target: REAL_TARGETS[t] }];
    }),
  ) as Record<ClassifierTask, TaskAccuracy>;
  const info = pipeline.models.info();
  return {
    dir,
    screenshots: c.truth.length,
    objects: all.filter((o) => !o.difficult).length,
    difficult: all.filter((o) => o.difficult).length,
    detection: {
      mAP50: ap.mAP50,
      cog: ap.perClass.cog.ap,
      toon: ap.perClass.toon.ap,
      any: ap.any.ap,
      anyRecall: ap.any.recall,
      anyPrecision: ap.any.precision,
    },
    targets: REAL_TARGETS,
    tasks,
    msPerScreenshot: c.truth.length ? c.ms / c.truth.length : 0,
    backend: engineInfo()?.backend ?? 'none',
    models: Object.fromEntries(Object.entries(info).map(([k, v]) => [k, v ? { dir: v.dir, origin: v.origin } : null])),
  };
}

export interface RealBenchOptions {
  dir: string;
  models: string;
  /** Cross-validate retrain on K folds of the screenshots (0: evaluate the models as they are). */
  folds?: number;
  seed?: number;
  /** retrain's tasks in each fold */
  tasks?: Task[];
  epochs?: number;
  /** with folds: retrain's synthetic scenes and Cog head renders */
  synthetic?: number;
  cogHeads?: string;
  progress?: Progress;
}

/** Loads the labelled screenshots of a folder; one error naming the folder when there are none. */
export async function loadRealScreenshots(dir: string): Promise<DetectorScene[]> {
  const rep = await loadScenes([dir]);
  if (rep.errors.length) throw new Error(`${rep.errors[0]!.file}: ${rep.errors[0]!.reason}`);
  if (rep.scenes.length === 0) throw new Error(`${dir}: no labelled screenshots (image files with a VOC .xml beside them)`);
  return rep.scenes;
}

export async function runRealBench(opts: RealBenchOptions): Promise<RealBenchResult> {
  const progress = opts.progress ?? makeProgress({ quiet: true });
  const scenes = await loadRealScreenshots(opts.dir);
  const c: Collected = { preds: [], truth: [], taskHits: emptyHits(), ms: 0 };
  if (!opts.folds) {
    const pipeline = await loadPredictor(opts.models);
    try {
      await collect(pipeline, scenes, c, progress);
      return summarise(opts.dir, c, pipeline);
    } finally {
      await pipeline.models.close();
    }
  }
  return runFolds(opts, scenes, c, progress);
}

/** A copy (in `work`) of the detector the models folder runs, without its rescorer; undefined when it has none. */
async function unrescoredDetector(models: string, work: string): Promise<string | undefined> {
  const { currentModelDir } = await import('../train/retrain.ts');
  const { copyDetectorFolder } = await import('../train/rescorer-task.ts');
  const dir = currentModelDir(models, 'detector');
  if (!dir) return undefined;
  const meta = JSON.parse(await readFile(path.join(dir, 'metadata.json'), 'utf8')) as { detector?: { rescore?: unknown } };
  if (!meta.detector?.rescore) return undefined;
  const out = path.join(work, 'detector-without-rescorer');
  await copyDetectorFolder(dir, out, (m) => {
    delete m.detector.rescore;
  });
  return out;
}

/** K-fold cross-validation of retrain: each fold's screenshots are scored by models retrained without them. */
async function runFolds(opts: RealBenchOptions, scenes: DetectorScene[], c: Collected, progress: Progress): Promise<RealBenchResult> {
  const { retrain } = await import('../train/retrain.ts');
  const k = opts.folds!;
  if (k < 2 || k > scenes.length) throw new Error(`--folds must be between 2 and the ${scenes.length} screenshots, got ${k}`);
  const seed = opts.seed ?? 1;
  const order = shuffleInPlace(scenes.map((_, i) => i), seedrandom(`toonvision-real-folds:${seed}`));
  const pairs = await listScenePairs(opts.dir);
  const pairOf = new Map(pairs.filter((p) => p.xml).map((p) => [p.image, p]));
  const work = await mkdtemp(path.join(os.tmpdir(), 'toonvision-real-folds-'));
  const report: NonNullable<RealBenchResult['folds']>['retrain'] = [];
  // The shipped pretrained detector's rescorer was fitted on real screenshots, perhaps these: each
  // fold starts from the same network without it, so that no fold is scored by what saw its test part.
  const base = await unrescoredDetector(opts.models, work);
  let summary: Omit<RealBenchResult, 'folds'> | undefined;
  try {
    for (let f = 0; f < k; f++) {
      const test = order.filter((_, i) => i % k === f);
      const train = order.filter((_, i) => i % k !== f);
      const root = path.join(work, `fold-${f}`);
      const shots = path.join(root, 'raw', 'screenshots');
      await mkdir(shots, { recursive: true });
      for (const i of train) {
        const p = pairOf.get(scenes[i]!.file!)!;
        await copyFile(p.image, path.join(shots, path.basename(p.image)));
        await copyFile(p.xml, path.join(shots, path.basename(p.xml)));
      }
      const models = path.join(root, 'models');
      if (base) await cp(base, path.join(models, 'detector'), { recursive: true });
      progress.line(`fold ${f + 1}/${k}: retrain on ${train.length} screenshots, test on ${test.length}`);
      const t0 = Date.now();
      const r = await retrain({
        root,
        models,
        tasks: opts.tasks ?? [...CLASSIFIER_TASKS, 'detector'],
        seed: seed + f,
        epochs: opts.epochs,
        progress,
        plots: false,
        synthetic: opts.synthetic,
        cogHeads: opts.cogHeads,
        syntheticCache: path.join(work, 'synthetic'),
      });
      report.push({ fold: f, train: train.length, test: test.length, installed: r.tasks.filter((t) => t.installed).map((t) => t.task), seconds: (Date.now() - t0) / 1000 });
      const pipeline = await loadPredictor(models);
      try {
        await collect(pipeline, test.map((i) => scenes[i]!), c, progress);
        summary = summarise(opts.dir, c, pipeline);
      } finally {
        await pipeline.models.close();
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { ...summary!, folds: { k, seed, retrain: report } };
}
