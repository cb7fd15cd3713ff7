// The inference runtime: ONNX Runtime (onnxruntime-node, an optional dependency) where it loads, else
// TensorFlow.js. Training always runs on TensorFlow.js; only inference (agent, predict, classify,
// detect, capture) goes through here. `TOONVISION_RUNTIME=onnxruntime|tfjs` forces one.
// Execution providers: DirectML on Windows, CoreML on macOS, then the CPU; each is probed with a
// one-node model so a provider that is listed but does not work is reported, not used.
import { createRequire } from 'node:module';
import os from 'node:os';
import onnxProto from 'onnx-proto';
import { errorText, forcedChoice } from './choice.ts';

export const RUNTIMES = ['onnxruntime', 'tfjs'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

export interface RuntimeAttempt {
  name: string;
  ok: boolean;
  reason: string;
}

export interface InferenceInfo {
  runtime: RuntimeName;
  /** ONNX Runtime execution providers in the order sessions use them (empty on tfjs). */
  providers: string[];
  tried: RuntimeAttempt[];
  /** ONNX Runtime intra-op threads per session (0 on tfjs). */
  threads: number;
}

/** The first output of a run, as plain data. */
export interface InferenceOutput {
  data: Float32Array;
  dims: number[];
}

/** An ONNX Runtime session on one model: float32 in, first output out. */
export interface OnnxSession {
  readonly provider: string;
  /** The model's output names, in the order `runAll` returns them. */
  readonly outputNames: readonly string[];
  run(data: Float32Array, dims: readonly number[]): Promise<InferenceOutput>;
  /** Every output of a run, in `outputNames` order (a detector head has several). */
  runAll(data: Float32Array, dims: readonly number[]): Promise<InferenceOutput[]>;
  release(): Promise<void>;
}

// The few parts of onnxruntime-node used here, typed locally: the package is optional, and the
// build must pass where it did not install.
interface OrtTensor {
  data: unknown;
  dims: readonly number[];
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(model: Uint8Array, options: object): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  listSupportedBackends?: () => { name: string; bundled: boolean }[];
}

const require = createRequire(import.meta.url);

let info: InferenceInfo | undefined;
let initializing: Promise<InferenceInfo> | undefined;
let ort: Ort | undefined;


/**
 * Intra-op threads per session. The agent shares the machine with the game, so it takes one core in
 * four, at least 1 and at most 4 (`bench infer --runtime onnxruntime --threads N` measures the others);
 * `TOONVISION_ORT_THREADS=N` overrides.
 */
export function defaultOrtThreads(cores = os.availableParallelism?.() ?? os.cpus().length): number {
  const env = Number(process.env.TOONVISION_ORT_THREADS ?? '');
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, Math.min(4, Math.floor(cores / 4)));
}

function sessionOptions(provider: string, threads: number): object {
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Idle pool threads sleep instead of spinning: the CPU is the game's between two frames.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/** A one-node model (Relu on float [1, 4]) to see that a provider really runs. */
function probeModel(): Uint8Array {
  const { onnx } = onnxProto;
  const value = (name: string) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'toonvision-probe',
    graph: { name: 'probe', node: [{ opType: 'Relu', input: ['x'], output: ['y'] }], input: [value('x')], output: [value('y')] },
  }).finish();
}

/** The providers to try on this platform, each with the reason it is skipped where it cannot exist. */
function providerCandidates(): { name: string; skip?: string }[] {
  return [
    { name: 'dml', ...(process.platform === 'win32' ? {} : { skip: 'DirectML exists only on Windows' }) },
    { name: 'coreml', ...(process.platform === 'darwin' ? {} : { skip: 'CoreML exists only on macOS' }) },
    { name: 'cpu' },
  ];
}

async function tryOnnxRuntime(tried: RuntimeAttempt[], threads: number): Promise<string[] | undefined> {
  try {
    require.resolve('onnxruntime-node');
  } catch {
    tried.push({ name: 'onnxruntime', ok: false, reason: 'onnxruntime-node is not installed (optional dependency)' });
    return undefined;
  }
  let mod: Ort;
  try {
    // A variable specifier, so that the build does not need the (optional) package to be installed.
    const pkg = 'onnxruntime-node';
    const imported = (await import(pkg)) as unknown as Ort & { default?: Ort };
    mod = imported.InferenceSession ? imported : imported.default!;
  } catch (err) {
    tried.push({ name: 'onnxruntime', ok: false, reason: `onnxruntime-node did not load (${errorText(err)})` });
    return undefined;
  }
  tried.push({ name: 'onnxruntime', ok: true, reason: 'onnxruntime-node loaded' });
  const probe = probeModel();
  const providers: string[] = [];
  for (const c of providerCandidates()) {
    if (c.skip) {
      tried.push({ name: `onnxruntime/${c.name}`, ok: false, reason: `skipped: ${c.skip}` });
      continue;
    }
    try {
      const s = await mod.InferenceSession.create(probe, sessionOptions(c.name, 1));
      const y = await s.run({ x: new mod.Tensor('float32', new Float32Array([-1, 0, 1, 2]), [1, 4]) });
      await s.release();
      const out = Array.from(y.y!.data as Float32Array);
      if (out.join(',') !== '0,0,1,2') throw new Error(`probe gave ${out.join(',')}, expected 0,0,1,2`);
      providers.push(c.name);
      tried.push({ name: `onnxruntime/${c.name}`, ok: true, reason: `runs (${threads} thread${threads === 1 ? '' : 's'})` });
    } catch (err) {
      tried.push({ name: `onnxruntime/${c.name}`, ok: false, reason: errorText(err) });
    }
  }
  if (providers.length === 0) return undefined;
  ort = mod;
  return providers;
}

/**
 * Chooses the inference runtime once: ONNX Runtime where it loads and a provider runs, else
 * TensorFlow.js. `TOONVISION_RUNTIME` (or `runtime`) forces one; a forced onnxruntime that does not
 * load is an error naming why.
 */
export function initInference(opts: { runtime?: RuntimeName } = {}): Promise<InferenceInfo> {
  if (info) return Promise.resolve(info);
  initializing ??= (async () => {
    const forced = forcedChoice('TOONVISION_RUNTIME', RUNTIMES, 'runtime', opts.runtime);
    const tried: RuntimeAttempt[] = [];
    const threads = defaultOrtThreads();
    if (forced !== 'tfjs') {
      const providers = await tryOnnxRuntime(tried, threads);
      if (providers) {
        info = { runtime: 'onnxruntime', providers, tried, threads };
        return info;
      }
      if (forced === 'onnxruntime') {
        initializing = undefined;
        throw new Error(`TOONVISION_RUNTIME=onnxruntime but ONNX Runtime cannot run here (${tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.reason}`).join('; ')})`);
      }
    } else {
      tried.push({ name: 'onnxruntime', ok: false, reason: 'skipped: TOONVISION_RUNTIME=tfjs' });
    }
    tried.push({ name: 'tfjs', ok: true, reason: 'TensorFlow.js (the training engine)' });
    info = { runtime: 'tfjs', providers: [], tried, threads: 0 };
    return info;
  })();
  return initializing;
}

/** The chosen inference runtime, or undefined before `initInference()` (training-only processes). */
export function inferenceInfo(): InferenceInfo | undefined {
  return info;
}

/** True when inference runs on ONNX Runtime (initInference() chose it). */
export function onnxActive(): boolean {
  return info?.runtime === 'onnxruntime';
}

/**
 * Opens an ONNX Runtime session on a serialized model, on the first provider that takes it.
 * `threads` overrides the default intra-op thread count (benchmarks).
 */
export async function openOnnxSession(model: Uint8Array, opts: { threads?: number } = {}): Promise<OnnxSession> {
  if (!ort || !info || info.runtime !== 'onnxruntime') throw new Error('ONNX Runtime is not the active inference runtime');
  const mod = ort;
  const threads = opts.threads ?? info.threads;
  let session: OrtSession | undefined;
  let provider = '';
  const errors: string[] = [];
  for (const p of info.providers) {
    try {
      session = await mod.InferenceSession.create(model, sessionOptions(p, threads));
      provider = p;
      break;
    } catch (err) {
      errors.push(`${p}: ${errorText(err)}`);
    }
  }
  if (!session) throw new Error(`ONNX Runtime refused the model (${errors.join('; ')})`);
  const s = session;
  const inputName = s.inputNames[0]!;
  const outputName = s.outputNames[0]!;
  let released = false;
  return {
    provider,
    outputNames: [...s.outputNames],
    async run(data, dims) {
      if (released) throw new Error('ONNX session was released');
      const out = (await s.run({ [inputName]: new mod.Tensor('float32', data, dims) }))[outputName]!;
      return { data: out.data as Float32Array, dims: [...out.dims] };
    },
    async runAll(data, dims) {
      if (released) throw new Error('ONNX session was released');
      const outs = await s.run({ [inputName]: new mod.Tensor('float32', data, dims) });
      return s.outputNames.map((n) => ({ data: outs[n]!.data as Float32Array, dims: [...outs[n]!.dims] }));
    },
    async release() {
      if (released) return;
      released = true;
      await s.release();
    },
  };
}
