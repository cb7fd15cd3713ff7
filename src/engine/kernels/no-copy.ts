// Identity and same-dtype Cast without a copy on the WASM backend. The backend's own kernels copy the
// whole tensor; tfjs-layers calls them on every activation of a training step (64 calls per step of
// the seed CNN, several on the 32x600x200x3 input). Tensors are immutable, so sharing the data
// (reference-counted, as the backend's own Reshape does) is safe.
import type { CastAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { originalKernel, wasmKernel } from './wasm-util.ts';

interface RefCounting {
  incRef(dataId: object): void;
}

function share(backend: unknown, x: TensorInfo): TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function noCopyConfigs(): KernelConfig[] {
  const configs: KernelConfig[] = [];
  if (originalKernel('Identity')) {
    configs.push(wasmKernel<object>('Identity', ({ x }, _a, backend) => (x!.dtype === 'string' ? undefined : share(backend, x!))));
  }
  if (originalKernel('Cast')) {
    configs.push(wasmKernel<CastAttrs>('Cast', ({ x }, a, backend) => (a.dtype === x!.dtype && x!.dtype !== 'string' ? share(backend, x!) : undefined)));
  }
  return configs;
}
