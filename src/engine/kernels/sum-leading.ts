// Sum over the leading axes (the bias gradient: dY [n,h,w,c] -> [c]) in one pass over the WASM heap.
// The backend's own Sum first transposes the whole tensor so that the reduced axes are innermost.
// (A fused JS ReLU gradient was tried and dropped: the backend's SIMD Step + Multiply, with Cast made
// copy-free in no-copy.ts, is 4x faster than a JS loop.)
import * as tfjs from '@tensorflow/tfjs';
import type { KernelConfig, SumAttrs, TensorInfo } from '@tensorflow/tfjs';
import { f32, wasmKernel, type WasmBackend } from './wasm-util.ts';


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

export function sumLeadingConfigs(): KernelConfig[] {
  return [
    wasmKernel<SumAttrs>('Sum', ({ x }, a, backend) => {
      if (x!.dtype !== 'float32' || a.keepDims || x!.shape.length < 2) return undefined;
      const axes = tfjs.util.parseAxisParam(a.axis, x!.shape).sort((p, q) => p - q);
      const leading = axes.length > 0 && axes.length < x!.shape.length && axes.every((ax, i) => ax === i);
      return leading ? sumLeading(backend, x!, axes.length) : undefined;
    }),
  ];
}
