// Sum over the leading axes (the bias gradient: dY [n,h,w,c] -> [c]) in one pass over the WASM heap.
// The backend's own Sum first transposes the whole tensor so that the reduced axes are innermost.
// (A fused JS ReLU gradient was tried and dropped: the backend's SIMD Step + Multiply, with Cast made
// copy-free in no-copy.ts, is 4x faster than a JS loop.)
import * as tfjs from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { f32, originalKernel, type KernelFn, type WasmBackend } from './wasm-util.ts';


function sumLeading(backend: WasmBackend, x: TensorInfo, k: number): TensorInfo {
  const outShape = x.shape.slice(k);
  let inner = 1;
  for (const d of outShape) inner *= d;
  let outer = 1;
  for (const d of x.shape.slice(0, k)) outer *= d;
  const out = backend.makeOutput(outShape, 'float32');
  const xv = f32(backend, x);
  const ov = f32(backend, out);
  // Accumulate in float64 to stay close to a pairwise sum on long reductions.
  const acc = new Float64Array(inner);
  for (let i = 0; i < outer; i++) {
    const base = i * inner;
    for (let j = 0; j < inner; j++) acc[j] += xv[base + j]!;
  }
  ov.set(acc);
  return out;
}

function sumConfig(): KernelConfig {
  const original = originalKernel('Sum')!;
  return {
    kernelName: 'Sum',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: ((args) => {
      const { inputs, attrs, backend } = args;
      const x = inputs.x!;
      const a = attrs as unknown as { axis: number | number[]; keepDims: boolean };
      if (x.dtype === 'float32' && !a.keepDims && x.shape.length >= 2) {
        const axes = tfjs.util.parseAxisParam(a.axis, x.shape).sort((p, q) => p - q);
        const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((ax, i) => ax === i);
        if (leading) return sumLeading(backend as WasmBackend, x, axes.length);
      }
      return (original.kernelFunc as unknown as KernelFn)(args);
    }) as KernelFn as KernelConfig['kernelFunc'],
  };
}

export function sumLeadingConfigs(): KernelConfig[] {
  return [sumConfig()];
}
