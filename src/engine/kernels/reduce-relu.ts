// Two memory-bound pieces of a conv net's backward pass, done in one pass each on the WASM heap:
// - Sum over the leading axes (the bias gradient: dY [n,h,w,c] -> [c]). The backend's own Sum first
//   transposes the whole tensor so that the reduced axes are innermost.
// - The ReLU gradient, dy * (x > 0): tfjs computes it as Step, Cast and Multiply (three passes).
import * as tfjs from '@tensorflow/tfjs';
import type { KernelConfig, NamedTensorMap, Tensor, TensorInfo } from '@tensorflow/tfjs';
import { f32, originalKernel, type KernelFn, type WasmBackend } from './wasm-util.ts';

/** Name of our fused ReLU-gradient kernel (registered for 'wasm' only). */
export const RELU_GRAD = 'ToonvisionReluGrad';

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

const reluGradConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: (({ inputs, backend }) => {
    const be = backend as WasmBackend;
    const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
    const out = be.makeOutput(x.shape, 'float32');
    const xv = f32(be, x);
    const dyv = f32(be, dy);
    const ov = f32(be, out);
    for (let i = 0; i < xv.length; i++) ov[i] = xv[i]! > 0 ? dyv[i]! : 0;
    return out;
  }) as KernelFn as KernelConfig['kernelFunc'],
};

/**
 * Replaces ReLU's gradient by one that uses our fused kernel on the WASM backend and tfjs's own
 * formula elsewhere (gradients are global, kernels per backend).
 */
export function registerReluGradient(): void {
  tfjs.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
      const [x] = saved as [Tensor];
      const g = dy as Tensor;
      return {
        x: () =>
          tfjs.getBackend() === 'wasm' && x.dtype === 'float32' && g.dtype === 'float32'
            ? (tfjs.engine().runKernel(RELU_GRAD, { dy: g, x } as unknown as NamedTensorMap) as Tensor)
            : tfjs.mul(g, tfjs.cast(tfjs.step(x), 'float32')),
      };
    },
  });
}

export function reduceReluConfigs(): KernelConfig[] {
  return [sumConfig(), reluGradConfig];
}
