// `toonvision demo-models`: small `fast` models for a fresh clone's demo, trained from freshly
// generated synthetic scenes (writeScenes -> extract -> split in a temporary root). Reproducible:
// the same seed gives the same scenes, splits and initial weights.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Task } from '../taxonomy.ts';
import { trainDetectorTask } from './detector-task.ts';
import { runTraining } from './experiment.ts';
import type { Progress } from './progress.ts';
import { makeProgress } from './progress.ts';
import { makeSyntheticRoot } from './synthetic.ts';

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
  models: { task: Task; dir: string; scenes: number; seed: number; epochs?: number; testAccuracy?: number; testLoss?: number; mAP50?: number | null; seconds: number }[];
  dataRoot: string | null;
  seconds: number;
}

export async function demoModels(opts: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const progress = opts.progress ?? makeProgress({ quiet: true });
  const root = await mkdtemp(path.join(os.tmpdir(), 'toonvision-demo-'));
  try {
    progress.line(`generating ${opts.scenes} synthetic scenes (seed ${opts.seed}) in ${root}`);
    const data = await makeSyntheticRoot(root, { scenes: opts.scenes, seed: opts.seed, ratio: [0.7, 0.15, 0.15], log: (l) => progress.line(l) });
    const models: DemoResult['models'] = [];
    for (const task of opts.tasks) {
      const t0 = Date.now();
      const dir = path.join(opts.out, task);
      if (task === 'detector') {
        const res = await trainDetectorTask({ root, out: dir, seed: opts.seed, epochs: opts.detectorEpochs, maxSeconds: opts.detectorSeconds, log: (l) => progress.line(l) });
        models.push({ task, dir, scenes: opts.scenes, seed: opts.seed, epochs: opts.detectorEpochs, mAP50: res.mAP50, seconds: (Date.now() - t0) / 1000 });
      } else {
        const s = await runTraining({ root, task, preset: 'fast', epochs: opts.epochs, seed: opts.seed, out: dir, progress });
        progress.line(`  ${task}: test accuracy ${(s.testAccuracy * 100).toFixed(2)}% (${s.epochs} epochs, ${s.seconds.toFixed(0)} s)`);
        models.push({ task, dir, scenes: opts.scenes, seed: opts.seed, epochs: s.epochs, testAccuracy: s.testAccuracy, testLoss: s.testLoss, seconds: (Date.now() - t0) / 1000 });
      }
    }
    const result: DemoResult = {
      out: opts.out,
      scenes: opts.scenes,
      seed: opts.seed,
      crops: data.crops,
      models,
      dataRoot: opts.keepData ? root : null,
      seconds: (Date.now() - started) / 1000,
    };
    // Keep the figures of tasks not retrained this time (e.g. `--tasks detector` alone).
    const file = path.join(opts.out, 'demo-models.json');
    let earlier: DemoResult['models'] = [];
    try {
      earlier = (JSON.parse(await readFile(file, 'utf8')) as DemoResult).models.filter((m) => !opts.tasks.includes(m.task));
    } catch {
      /* no earlier figures */
    }
    const all = [...earlier, ...models].sort((a, b) => DEMO_ORDER.indexOf(a.task) - DEMO_ORDER.indexOf(b.task));
    await writeFile(file, `${JSON.stringify({ ...result, models: all, dataRoot: null, createdAt: new Date().toISOString() }, null, 1)}\n`);
    return result;
  } finally {
    if (!opts.keepData) await rm(root, { recursive: true, force: true });
  }
}
