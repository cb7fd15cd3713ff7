// Identity and same-dtype Cast without a copy on the WASM backend. The backend's own kernels copy the
// whole tensor; tfjs-layers calls them on every activation of a training step (64 calls per step of
// the seed CNN, several on the 32x600x200x3 input). Tensors are immutable, so sharing the data
// (reference-counted, as the backend's own Reshape does) is safe.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { originalKernel, type KernelFn } from './wasm-util.ts';

interface RefCounting {
  incRef(dataId: object): void;
}

function share(backend: unknown, x: TensorInfo): TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function noCopyConfigs(): KernelConfig[] {
  const identity = originalKernel('Identity');
  const cast = originalKernel('Cast');
  const configs: KernelConfig[] = [];
  if (identity) {
    configs.push({
      kernelName: 'Identity',
      backendName: 'wasm',
      setupFunc: identity.setupFunc,
      kernelFunc: ((args) => {
        const x = args.inputs.x!;
        return x.dtype === 'string' ? (identity.kernelFunc as unknown as KernelFn)(args) : share(args.backend, x);
      }) as KernelFn as KernelConfig['kernelFunc'],
    });
  }
  if (cast) {
    configs.push({
      kernelName: 'Cast',
      backendName: 'wasm',
      setupFunc: cast.setupFunc,
      kernelFunc: ((args) => {
        const x = args.inputs.x!;
        const dtype = (args.attrs as { dtype?: string } | undefined)?.dtype;
        return dtype === x.dtype && x.dtype !== 'string' ? share(args.backend, x) : (cast.kernelFunc as unknown as KernelFn)(args);
      }) as KernelFn as KernelConfig['kernelFunc'],
    });
  }
  return configs;
}
