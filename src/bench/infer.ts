// `toonvision bench infer`: classifier inference time for one crop and for a batch of 32.
import { engineInfo, initEngine, tf } from '../engine/index.ts';
import { makeClassifier, PRESET_INPUT, type Preset } from '../model/architectures.ts';
import type { Tensor } from '@tensorflow/tfjs';
import { engineThreads } from '../engine/wasm-kernels.ts';
import { median } from '../median.ts';

export interface InferBenchOptions {
  arch: Preset;
  /** Timed runs per measurement (the median is reported). */
  runs: number;
}

export interface InferBenchResult {
  backend: string;
  msPerCrop: number;
  msPerBatch32: number;
  /** Not part of the contract. */
  arch: Preset;
  inputShape: [number, number, number];
  runs: number;
  threads: number;
  /** Process CPU time per crop (ms): robust on a busy machine; about msPerCrop x threads used when idle. */
  cpuMsPerCrop: number;
}

/** Median wall time (ms) and mean CPU time of `runs` predictions on `x`, after two warm-up calls; reads the result back each time. */
async function timePredict(model: import('@tensorflow/tfjs').LayersModel, x: Tensor, runs: number): Promise<{ ms: number; cpuMs: number }> {
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const out = model.predict(x) as Tensor;
    await out.data();
    const ms = performance.now() - t0;
    out.dispose();
    return ms;
  };
  await once();
  await once();
  const times: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) times.push(await once());
  const c = process.cpuUsage(c0);
  return { ms: median(times), cpuMs: (c.user + c.system) / 1000 / runs };
}

export async function runInferBench(opts: InferBenchOptions): Promise<InferBenchResult> {
  await initEngine();
  const inputShape = PRESET_INPUT[opts.arch];
  const model = makeClassifier({ task: 'binary', preset: opts.arch, dropout: 0.9 });
  const one = tf.randomUniform([1, ...inputShape], 0, 255);
  const batch = tf.randomUniform([32, ...inputShape], 0, 255);
  try {
    const crop = await timePredict(model, one, opts.runs);
    const batch32 = await timePredict(model, batch, Math.max(3, Math.ceil(opts.runs / 8)));
    const round = (v: number) => Math.round(v * 1000) / 1000;
    return {
      backend: engineInfo()!.backend,
      msPerCrop: round(crop.ms),
      msPerBatch32: round(batch32.ms),
      arch: opts.arch,
      inputShape,
      runs: opts.runs,
      threads: engineThreads(),
      cpuMsPerCrop: round(crop.cpuMs),
    };
  } finally {
    tf.dispose([one, batch]);
    model.dispose();
  }
}
