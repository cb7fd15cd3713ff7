// `toonvision bench train`: training throughput of a classifier on random data (forward, backward,
// Adam update), batches already on the backend so that no GatherV2 slicing is measured.
import { engineInfo, initEngine, tf } from '../engine/index.ts';
import { makeClassifier, PRESET_INPUT, type Preset } from '../model/architectures.ts';
import type { Tensor } from '@tensorflow/tfjs';
import { engineThreads } from '../engine/wasm-kernels.ts';

export interface TrainBenchOptions {
  arch: Preset;
  batch: number;
  steps: number;
  /** Profile one extra step with tf.profile and report the slowest kernels. */
  profile?: boolean;
}

export interface TrainBenchResult {
  arch: Preset;
  inputShape: [number, number, number];
  batch: number;
  backend: string;
  imagesPerSecond: number;
  /** Not part of the contract: details of the run. */
  steps: number;
  msPerStep: number;
  /** Throughput counted on this process's CPU time (robust on a busy machine; equals wall time when idle and single-threaded). */
  cpuImagesPerSecond: number;
  threads: number;
  warmupMs: number;
  topKernelsMs?: Record<string, number>;
}

/** Per-kernel time of one call of `fn` (ms, summed by kernel name, the `top` largest). */
export async function profileKernels(fn: () => Promise<unknown> | unknown, top = 10): Promise<Record<string, number>> {
  const info = await tf.profile(async () => {
    await fn();
  });
  const byName = new Map<string, number>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byName.set(k.name, (byName.get(k.name) ?? 0) + ms);
  }
  return Object.fromEntries(
    [...byName]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => [name, Math.round(ms * 10) / 10]),
  );
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
}

export async function runTrainBench(opts: TrainBenchOptions): Promise<TrainBenchResult> {
  await initEngine();
  const backend = engineInfo()!.backend;
  const inputShape = PRESET_INPUT[opts.arch];
  const model = makeClassifier({ task: 'binary', preset: opts.arch, dropout: 0.9 });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy' });
  const x = tf.randomUniform([opts.batch, ...inputShape], 0, 255);
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([opts.batch, 1]), 0.5), 'float32'));
  const step = async (): Promise<void> => {
    const loss = (await model.trainOnBatch(x, y)) as number | number[];
    if (!Number.isFinite(Array.isArray(loss) ? loss[0] : loss)) throw new Error(`bench train: loss is not finite (${String(loss)})`);
  };
  try {
    let t0 = performance.now();
    await step(); // warm-up: kernel setup, XNNPACK operator creation, JIT
    const warmupMs = performance.now() - t0;
    const c0 = process.cpuUsage();
    t0 = performance.now();
    for (let i = 0; i < opts.steps; i++) await step();
    const msPerStep = (performance.now() - t0) / opts.steps;
    const cpuPerStep = cpuMs(c0) / opts.steps;
    const topKernelsMs = opts.profile ? await profileKernels(step) : undefined;
    const round = (v: number) => Math.round(v * 100) / 100;
    return {
      arch: opts.arch,
      inputShape,
      batch: opts.batch,
      backend,
      imagesPerSecond: round((opts.batch * 1000) / msPerStep),
      steps: opts.steps,
      msPerStep: round(msPerStep),
      cpuImagesPerSecond: round((opts.batch * 1000) / cpuPerStep),
      threads: engineThreads(),
      warmupMs: Math.round(warmupMs),
      ...(topKernelsMs ? { topKernelsMs } : {}),
    };
  } finally {
    tf.dispose([x, y as Tensor]);
    model.dispose();
  }
}
