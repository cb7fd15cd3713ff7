// Helpers for kernels that run on the WASM backend: call the backend's own kernels directly (no engine
// bookkeeping, no nested profile entries), free intermediates, and view tensors on the WASM heap.
import * as tfjs from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm that our kernels use. */
export interface WasmBackend {
  wasm: { HEAPF32: Float32Array; HEAPU8: Uint8Array; wasmMemory?: WebAssembly.Memory };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number; shape: number[]; dtype: string } };
  makeOutput(shape: number[], dtype: string, memoryOffset?: number): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

export type KernelFn = (args: { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap; backend: unknown }) => TensorInfo | TensorInfo[];

/** The original WASM kernels, captured before ours replace any of them. */
const originals = new Map<string, KernelConfig>();

export function originalKernel(name: string): KernelConfig | undefined {
  if (!originals.has(name)) {
    const k = tfjs.getKernel(name, 'wasm');
    if (k) originals.set(name, k);
  }
  return originals.get(name);
}

/**
 * Our 'wasm' kernel for `name`: `fast` runs with the kernel's attributes typed as tfjs declares them
 * (its exported `*Attrs`); where it returns undefined (inputs it does not handle) the backend's own
 * kernel runs instead, with the backend's own setup. A kernel the backend lacks has nothing to fall
 * back on: `fast` must then handle every input, or the error names the kernel.
 */
export function wasmKernel<A extends object>(
  name: string,
  fast: (inputs: NamedTensorInfoMap, attrs: A, backend: WasmBackend) => TensorInfo | undefined,
): KernelConfig {
  const original = originalKernel(name);
  return {
    kernelName: name,
    backendName: 'wasm',
    setupFunc: original?.setupFunc,
    kernelFunc: ((args) => {
      const out = fast(args.inputs, (args.attrs ?? {}) as unknown as A, args.backend as WasmBackend);
      if (out) return out;
      if (!original) throw new Error(`${name}: these inputs need the WASM backend's own kernel, and it has none`);
      return (original.kernelFunc as unknown as KernelFn)(args);
    }) as KernelFn as KernelConfig['kernelFunc'],
  };
}

/** Runs one of the WASM backend's own kernels (the original one if we replaced it). */
export function run(backend: WasmBackend, name: string, inputs: Record<string, TensorInfo>, attrs: object = {}): TensorInfo {
  const k = originalKernel(name);
  if (!k) throw new Error(`kernel '${name}' is not registered for backend 'wasm'`);
  const out = (k.kernelFunc as unknown as KernelFn)({ inputs: inputs as NamedTensorInfoMap, attrs: attrs as NamedAttrMap, backend });
  return Array.isArray(out) ? out[0]! : out;
}

export function free(backend: WasmBackend, ...infos: (TensorInfo | undefined)[]): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

/** A Float32Array view of a tensor's data on the WASM heap (re-take it after any allocation). */
export function f32(backend: WasmBackend, t: TensorInfo): Float32Array {
  const { memoryOffset } = backend.dataIdMap.get(t.dataId);
  let size = 1;
  for (const d of t.shape) size *= d;
  // The threaded build's memory is shared and may have grown from another thread: read its current buffer.
  const buffer = backend.wasm.wasmMemory?.buffer ?? backend.wasm.HEAPF32.buffer;
  return new Float32Array(buffer, memoryOffset, size);
}

export function reshape(backend: WasmBackend, x: TensorInfo, shape: number[]): TensorInfo {
  return run(backend, 'Reshape', { x }, { shape });
}

export function transpose(backend: WasmBackend, x: TensorInfo, perm: number[]): TensorInfo {
  return run(backend, 'Transpose', { x }, { perm });
}
