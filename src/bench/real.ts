// `toonvision bench real`: the shipped (or given) models on labelled real ToonTown screenshots.
// Detection: Pascal VOC AP@0.5 for cog, toon and any character (difficult objects ignored), through
// the agent's cascade (detector boxes relabelled by the binary model). Classification: each task's
// accuracy on the hand-drawn boxes whose labels inform it (binary: all; suit: cog_<suit> and finer;
// name and animal: fine labels). `--folds K` measures the player's loop: K times, a player's models
// folder holding a stand-in for the shipped models that never saw the folder's screenshots (the base)
// is retrained on K-1 parts of them and scored on the held-out part, beside the base itself on the
// same part, so that the gain (or loss) of retraining is one number per figure.
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
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
  folds?: {
    k: number;
    seed: number;
    retrain: { fold: number; train: number; test: number; installed: string[]; seconds: number; messages?: Record<string, string> }[];
    /** where the base (the shipped stand-in both sides start from) comes from, per task */
    base?: Record<string, string>;
    /** the base on the same held-out parts, pooled over the folds */
    shipped?: Figures;
    /** retrained minus base, per figure */
    gain?: Gain;
    /** per fold: both sides on its held-out part */
    perFold?: { fold: number; retrained: Figures; shipped: Figures; gain: Gain }[];
  };
}

/** The figures of one side of a comparison: detection and each task's accuracy. */
export interface Figures {
  detection: RealBenchResult['detection'];
  tasks: Record<ClassifierTask, TaskAccuracy>;
}

export type Gain = { mAP50: number; any: number | null } & Partial<Record<ClassifierTask, number | null>>;

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

function figuresOf(c: Collected, threshold: number): Figures {
  const ap = computeAp(c.preds, c.truth, { reportThreshold: threshold });
  const tasks = Object.fromEntries(
    CLASSIFIER_TASKS.map((t) => {
      const h = c.taskHits[t];
      return [t, { accuracy: h.boxes ? h.correct / h.boxes : null, correct: h.correct, boxes: h.boxes, target: REAL_TARGETS[t] }];
    }),
  ) as Record<ClassifierTask, TaskAccuracy>;
  return { detection: { mAP50: ap.mAP50, cog: ap.perClass.cog.ap, toon: ap.perClass.toon.ap, any: ap.any.ap, anyRecall: ap.any.recall, anyPrecision: ap.any.precision }, tasks };
}

function gainOf(a: Figures, b: Figures): Gain {
  const d = (x: number | null, y: number | null) => (x === null || y === null ? null : x - y);
  return {
    mAP50: a.detection.mAP50 - b.detection.mAP50,
    any: d(a.detection.any, b.detection.any),
    ...Object.fromEntries(CLASSIFIER_TASKS.map((t) => [t, d(a.tasks[t].accuracy, b.tasks[t].accuracy)])),
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
  /**
   * with folds: a models folder holding the stand-in for the shipped models (the base); tasks missing
   * there whose shipped model saw these screenshots are made there (and kept for the next run)
   */
  base?: string;
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

/** `fixtures/real` -> ../shared/fixtures/real: the names demo-models.json gives the real folders the shipped models saw. */
function fixturesDir(name: string): string | undefined {
  const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'fixtures');
  for (const d of [path.join(fixtures, name), path.join(fixtures, name.replace(/^fixtures\//, ''))]) if (existsSync(d)) return d;
  return undefined;
}

const dirName = (d: string) => `${path.basename(path.dirname(path.resolve(d)))}/${path.basename(path.resolve(d))}`;

interface ShippedNote {
  models?: { task: Task; scenes?: number; seed?: number; epochs?: number; cogHeads?: string; real?: { dirs: string[]; repeat: number } }[];
  pretrainedDetector?: { rescorer?: { dirs: string[] } };
}

/**
 * The base of `bench real --folds`: a models folder standing in for the shipped models, none of whose
 * models saw `dir`. A shipped model that never saw it is used as it is; the pretrained detector gets
 * a rescorer fitted as the shipped one was, on the shipped rescorer's real folders other than `dir`;
 * a classifier that saw it is trained as the shipped one was (demo-models, same scenes and seed) on
 * its real folders other than `dir`. Returns, per task, where its base comes from.
 */
async function standInBase(dir: string, base: string, opts: { cogHeads?: string; epochs?: number; progress: Progress }): Promise<Record<string, string>> {
  const { PACKAGE_DEMO_MODELS } = await import('../predict/models.ts');
  const note = JSON.parse(await readFile(path.join(PACKAGE_DEMO_MODELS, 'demo-models.json'), 'utf8')) as ShippedNote;
  const me = dirName(dir);
  // A real folder the shipped models learnt from "is" this one when it has this one's name, or holds
  // a screenshot of the same file name (a copy of some of its screenshots).
  const mine = new Set((await listScenePairs(dir)).map((p) => path.basename(p.image)));
  const saw = async (d: string): Promise<boolean> => {
    if (d === me) return true;
    const full = fixturesDir(d);
    return full !== undefined && (await readdir(full)).some((n) => mine.has(n));
  };
  const origin: Record<string, string> = {};
  await mkdir(base, { recursive: true });
  const detDir = path.join(base, 'detector');
  const shipped = path.join(PACKAGE_DEMO_MODELS, 'detector');
  const shippedDet = existsSync(path.join(shipped, 'metadata.json')) ? shipped : undefined;
  const rescoreDirs = note.pretrainedDetector?.rescorer?.dirs ?? [];
  if (existsSync(path.join(detDir, 'metadata.json'))) origin.detector = `${detDir} (kept from an earlier run)`;
  else if (shippedDet && (await anyOf(rescoreDirs, saw))) {
    const others: string[] = [];
    for (const d of rescoreDirs) if (!(await saw(d)) && fixturesDir(d)) others.push(fixturesDir(d)!);
    const { fitShippedRescorer } = await import('../train/demo.ts');
    const { copyDetectorFolder } = await import('../train/rescorer-task.ts');
    await copyDetectorFolder(shippedDet, detDir, (m) => {
      delete m.detector.rescore;
    }, { 'rescore-base.json': null });
    if (others.length) {
      opts.progress.line(`base: the shipped network's rescorer refitted on ${others.join(', ')} (the shipped one saw ${me})`);
      await fitShippedRescorer(base, others, opts.progress);
      origin.detector = `shipped network, rescorer fitted on ${others.map(dirName).join(', ')} (the shipped one saw ${me})`;
    } else origin.detector = `shipped network without its rescorer (it saw ${me})`;
  } else origin.detector = 'shipped (never saw these screenshots)';
  const retrainTasks: ClassifierTask[] = [];
  for (const t of CLASSIFIER_TASKS) {
    const m = note.models?.find((x) => x.task === t);
    if (existsSync(path.join(base, t, 'metadata.json'))) origin[t] = `${path.join(base, t)} (kept from an earlier run)`;
    else if (m?.real && (await anyOf(m.real.dirs, saw))) retrainTasks.push(t);
    else origin[t] = 'shipped (never saw these screenshots)';
  }
  for (const t of retrainTasks) {
    const m = note.models!.find((x) => x.task === t)!;
    const others: string[] = [];
    for (const d of m.real!.dirs) if (!(await saw(d)) && fixturesDir(d)) others.push(fixturesDir(d)!);
    opts.progress.line(`base: training ${t} as the shipped one was (${m.scenes} scenes, seed ${m.seed}) without ${me}${opts.epochs ? `, ${opts.epochs} epochs` : ''}`);
    const { demoModels } = await import('../train/demo.ts');
    const work = path.join(base, `.${t}-work`);
    await demoModels({ out: work, tasks: [t], scenes: m.scenes ?? 400, seed: m.seed ?? 2024, epochs: opts.epochs, cogHeads: m.cogHeads ? opts.cogHeads : undefined, realDirs: others.length ? others : undefined, realRepeat: m.real!.repeat, progress: opts.progress });
    await rename(path.join(work, t), path.join(base, t));
    await rm(work, { recursive: true, force: true });
    origin[t] = `trained as the shipped one was without ${me} (on ${others.map(dirName).join(', ') || 'synthetic scenes only'})${opts.epochs ? `, ${opts.epochs} epochs` : ''}`;
  }
  return origin;
}

/**
 * K-fold measure of the player's loop: each fold's held-out screenshots are scored by the base (the
 * shipped stand-in) and by the base retrained on the other folds' screenshots.
 */
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
  const perFold: NonNullable<NonNullable<RealBenchResult['folds']>['perFold']> = [];
  const base = opts.base ?? path.join(work, 'base');
  const shipped: Collected = { preds: [], truth: [], taskHits: emptyHits(), ms: 0 };
  let summary: Omit<RealBenchResult, 'folds'> | undefined;
  let threshold = 0.3;
  let origin: Record<string, string> = {};
  try {
    origin = await standInBase(opts.dir, base, { cogHeads: opts.cogHeads, progress });
    for (const [t, o] of Object.entries(origin)) progress.line(`base ${t}: ${o}`);
    for (let f = 0; f < k; f++) {
      const test = order.filter((_, i) => i % k === f);
      const train = order.filter((_, i) => i % k !== f);
      const testScenes = test.map((i) => scenes[i]!);
      const root = path.join(work, `fold-${f}`);
      const shots = path.join(root, 'raw', 'screenshots');
      await mkdir(shots, { recursive: true });
      for (const i of train) {
        const p = pairOf.get(scenes[i]!.file!)!;
        await copyFile(p.image, path.join(shots, path.basename(p.image)));
        await copyFile(p.xml, path.join(shots, path.basename(p.xml)));
      }
      const models = path.join(root, 'models');
      await mkdir(models, { recursive: true });
      for (const t of [...CLASSIFIER_TASKS, 'detector']) if (existsSync(path.join(base, t, 'metadata.json'))) await cp(path.join(base, t), path.join(models, t), { recursive: true });
      progress.line(`fold ${f + 1}/${k}: the base on ${test.length} held-out screenshots`);
      const before: Collected = { preds: [], truth: [], taskHits: emptyHits(), ms: 0 };
      const basePipeline = await loadPredictor(base);
      try {
        await collect(basePipeline, testScenes, before, progress);
        threshold = basePipeline.models.detector()?.metadata.detector.decode.threshold ?? threshold;
      } finally {
        await basePipeline.models.close();
      }
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
        syntheticCache: path.join(opts.base ? base : work, 'synthetic'),
      });
      report.push({
        fold: f, train: train.length, test: test.length, installed: r.tasks.filter((t) => t.installed).map((t) => t.task), seconds: (Date.now() - t0) / 1000,
        messages: Object.fromEntries(r.tasks.map((t) => [t.task, t.message ?? t.reason])),
      });
      const after: Collected = { preds: [], truth: [], taskHits: emptyHits(), ms: 0 };
      const pipeline = await loadPredictor(models);
      try {
        await collect(pipeline, testScenes, after, progress);
        merge(c, after);
        merge(shipped, before);
        summary = summarise(opts.dir, c, pipeline);
        const at = pipeline.models.detector()?.metadata.detector.decode.threshold ?? 0.3;
        const a = figuresOf(after, at);
        const b = figuresOf(before, threshold);
        perFold.push({ fold: f, retrained: a, shipped: b, gain: gainOf(a, b) });
      } finally {
        await pipeline.models.close();
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const shippedFigures = figuresOf(shipped, threshold);
  return {
    ...summary!,
    folds: { k, seed, retrain: report, base: origin, shipped: shippedFigures, gain: gainOf({ detection: summary!.detection, tasks: summary!.tasks }, shippedFigures), perFold },
  };
}

async function anyOf(items: readonly string[], test: (x: string) => Promise<boolean>): Promise<boolean> {
  for (const x of items) if (await test(x)) return true;
  return false;
}

function merge(into: Collected, from: Collected): void {
  into.preds.push(...from.preds);
  into.truth.push(...from.truth);
  into.ms += from.ms;
  for (const t of CLASSIFIER_TASKS) {
    into.taskHits[t].correct += from.taskHits[t].correct;
    into.taskHits[t].boxes += from.taskHits[t].boxes;
  }
}
