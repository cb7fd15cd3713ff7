// Multi-threaded XNNPACK for the WASM backend in Node (opt-in: TOONVISION_WASM_THREADS=N).
//
// tfjs-backend-wasm 4.22 never uses its threaded build in Node (its WASM_HAS_MULTITHREAD_SUPPORT flag
// is hard-wired to false there, tfjs issue #3830), and its C++ caps the pool at
// os.cpus().length / 2 ("hyper-threads"), i.e. 1 on a 2-core machine. This re-registers the 'wasm'
// backend with a factory that loads the threaded SIMD build through Node's worker_threads
// (Emscripten's own Node pthread support), with the pool size we ask for. The kernels registered for
// 'wasm' (ours included) are unchanged: it is the same backend class on a different binary.
// XNNPACK convolutions use the pool; element-wise kernels, BatchMatMul and our JS kernels do not.
import * as tfjs from '@tensorflow/tfjs';
import { BackendWasm, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread?: { unusedWorkers?: { unref?: () => void }[]; runningWorkers?: { unref?: () => void }[] };
  tfjs?: Record<string, unknown>;
}

/** Number of threads the WASM backend's XNNPACK pool uses (1 unless the threaded build is loaded). */
export function wasmThreads(): number {
  try {
    const n = getThreadsCount();
    return n > 0 ? n : 1;
  } catch {
    return 1;
  }
}

/** Replaces the 'wasm' backend factory by the threaded build with `threads` threads (falls back to the stock factory on failure). */
export function installThreadedWasm(threads: number): void {
  const stock = tfjs.findBackendFactory('wasm');
  if (!stock) return;
  const factory = async () => {
    try {
      return await threadedBackend(threads);
    } catch (err) {
      process.stderr.write(`toonvision: threaded WASM build failed (${err instanceof Error ? err.message : String(err)}); using the single-threaded one\n`);
      return stock();
    }
  };
  tfjs.removeBackend('wasm');
  tfjs.registerBackend('wasm', factory, 2);
}

async function threadedBackend(threads: number): Promise<BackendWasm> {
  const mainJs = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const dir = path.dirname(mainJs);
  const create = require(mainJs) as (cfg: object) => Promise<EmscriptenModule>;
  const { wasmWorkerContents } = require(path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  // The worker script ships as a JS string; Node's Worker needs a file. tfjs escapes newlines the same way for its Blob.
  const workerFile = path.join(os.tmpdir(), `toonvision-tfjs-wasm-worker-${process.getuid?.() ?? 0}.cjs`);
  const text = wasmWorkerContents.replace(/\n/g, '\\n');
  if (!fs.existsSync(workerFile) || fs.readFileSync(workerFile, 'utf8') !== text) fs.writeFileSync(workerFile, text);
  // The C++ side sizes its pool as min(requested, os.cpus().length / 2); report twice the cores while it starts.
  const cpus = os.cpus;
  (os as { cpus: typeof os.cpus }).cpus = () => {
    const c = cpus();
    return [...c, ...c];
  };
  let module: EmscriptenModule;
  try {
    module = await create({
      // Our JS kernels read the heap through this handle (the module keeps its own copy private).
      wasmMemory: new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true }),
      locateFile: (p: string) => (p.endsWith('.worker.js') ? workerFile : path.join(dir, p)),
      mainScriptUrlOrBlob: mainJs,
    });
  } finally {
    (os as { cpus: typeof os.cpus }).cpus = cpus;
  }
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  setThreadsCount(threads);
  const backend = new BackendWasm(module as never);
  // Idle pthread workers must not keep the process alive.
  for (const w of [...(module.PThread?.unusedWorkers ?? []), ...(module.PThread?.runningWorkers ?? [])]) w.unref?.();
  return backend;
}
