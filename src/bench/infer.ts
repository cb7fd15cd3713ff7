// `toonvision bench infer`: classifier inference time for one crop and for a batch of 32, on the
// inference runtime (ONNX Runtime or TensorFlow.js; `runtime` forces one).
import { engineInfo, initEngine, initInference, openOnnxSession, tf, type OnnxSession, type RuntimeName } from '../engine/index.ts';
import { exportOnnx } from '../model/onnx-export.ts';
import { makeClassifier, PRESET_INPUT, type Preset } from '../model/architectures.ts';
import type { Tensor } from '@tensorflow/tfjs';
import { engineThreads } from '../engine/wasm-kernels.ts';
import { median } from '../median.ts';

export interface InferBenchOptions {
  arch: Preset;
  /** Timed runs per measurement (the median is reported). */
  runs: number;
  /** Force the inference runtime (default: the one initInference() chooses). */
  runtime?: RuntimeName;
  /** ONNX Runtime intra-op threads (default: the runtime's own default). */
  threads?: number;
}

export interface InferBenchResult {
  backend: string;
  runtime: RuntimeName;
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
async function timePredict(model: import('@tensorflow/tfjs').LayersModel, x: Tensor, runs: number, session?: OnnxSession): Promise<{ ms: number; cpuMs: number }> {
  const data = session ? ((await x.data()) as Float32Array) : undefined;
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    if (session) {
      await session.run(data!, x.shape);
      return performance.now() - t0;
    }
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
  const inference = await initInference(opts.runtime ? { runtime: opts.runtime } : {});
  if (opts.runtime && inference.runtime !== opts.runtime) {
    throw new Error(`--runtime ${opts.runtime}: this process already infers on ${inference.runtime}`);
  }
  const inputShape = PRESET_INPUT[opts.arch];
  const model = makeClassifier({ task: 'binary', preset: opts.arch, dropout: 0.9 });
  const one = tf.randomUniform([1, ...inputShape], 0, 255);
  const batch = tf.randomUniform([32, ...inputShape], 0, 255);
  const onnx = inference.runtime === 'onnxruntime';
  const session = onnx ? await openOnnxSession(await exportOnnx(model), opts.threads ? { threads: opts.threads } : {}) : undefined;
  try {
    const crop = await timePredict(model, one, opts.runs, session);
    const batch32 = await timePredict(model, batch, Math.max(3, Math.ceil(opts.runs / 8)), session);
    const round = (v: number) => Math.round(v * 1000) / 1000;
    return {
      backend: engineInfo()!.backend,
      runtime: inference.runtime,
      msPerCrop: round(crop.ms),
      msPerBatch32: round(batch32.ms),
      arch: opts.arch,
      inputShape,
      runs: opts.runs,
      threads: onnx ? (opts.threads ?? inference.threads) : engineThreads(),
      cpuMsPerCrop: round(crop.cpuMs),
    };
  } finally {
    tf.dispose([one, batch]);
    model.dispose();
    await session?.release();
  }
}
