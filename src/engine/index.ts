// The engine: the one module that knows which TensorFlow.js backend is loaded.
// Everything else imports `tf` from here and calls `initEngine()` once before using it.
import { createRequire } from 'node:module';
import * as tfjs from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { errorText, forcedChoice } from './choice.ts';
import { registerWasmKernels } from './wasm-kernels.ts';

export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  reason: string;
}

export interface EngineInfo {
  backend: BackendName;
  backendsTried: BackendAttempt[];
}

/** The TensorFlow.js namespace. Use only after `initEngine()` resolved. */
export let tf: typeof tfjs = tfjs;

let info: EngineInfo | undefined;
let initializing: Promise<EngineInfo> | undefined;

const require = createRequire(import.meta.url);


/** Try one backend; resolves to the reason it failed, or undefined when it is active. */
async function tryBackend(name: BackendName): Promise<string | undefined> {
  try {
    switch (name) {
      case 'tensorflow-gpu':
      case 'tensorflow': {
        const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
        try {
          require.resolve(pkg);
        } catch {
          return `${pkg} is not installed (optional dependency; its install downloads libtensorflow)`;
        }
        const mod = (await import(pkg)) as typeof tfjs;
        if (!(await mod.setBackend('tensorflow'))) return `${pkg} loaded but its backend did not initialise`;
        await mod.ready();
        tf = mod;
        return undefined;
      }
      case 'wasm': {
        registerWasmKernels();
        if (!(await tfjs.setBackend('wasm'))) return 'the WASM backend did not initialise';
        await tfjs.ready();
        tf = tfjs;
        return undefined;
      }
      case 'cpu': {
        if (!(await tfjs.setBackend('cpu'))) return 'the CPU backend did not initialise';
        await tfjs.ready();
        tf = tfjs;
        return undefined;
      }
    }
  } catch (err) {
    return errorText(err);
  }
}

/**
 * Loads TensorFlow.js on the first backend that works, in the order tensorflow-gpu, tensorflow,
 * wasm, cpu; `TOONVISION_BACKEND` (or `backend`) forces one and fails if it does not load.
 */
export function initEngine(opts: { backend?: BackendName } = {}): Promise<EngineInfo> {
  if (info) return Promise.resolve(info);
  initializing ??= (async () => {
    // Silence tfjs's "Hi there 👋. Looks like you are running TensorFlow.js in Node.js" banner.
    tfjs.env().set('PROD', true);
    const forced = forcedChoice('TOONVISION_BACKEND', BACKENDS, 'backend', opts.backend);
    const order = forced ? [forced] : [...BACKENDS];
    const tried: BackendAttempt[] = [];
    for (const name of order) {
      const reason = await tryBackend(name);
      tried.push({ name, ok: reason === undefined, reason: reason ?? 'loaded' });
      if (reason === undefined) {
        info = { backend: name, backendsTried: tried };
        return info;
      }
    }
    const detail = tried.map((t) => `${t.name}: ${t.reason}`).join('; ');
    throw new Error(`no TensorFlow.js backend could be loaded (${detail})`);
  })();
  return initializing;
}

/** The loaded engine, or undefined before `initEngine()`. */
export function engineInfo(): EngineInfo | undefined {
  return info;
}
export * from './onnx.ts';
