// MaxPoolGrad for the WASM backend as a tight JS loop over the WASM heap. The backend's own kernel
// scatters with generic index arithmetic and was the largest cost of a training step after the
// convolutions (about 5x slower than this one on the seed CNN's first pooling layer).
// Semantics match the CPU backend: each window's gradient goes to its first maximum (row-major scan).
import * as tfjs from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { f32, originalKernel, type KernelFn, type WasmBackend } from './wasm-util.ts';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

export function maxPoolGrad(
  backend: WasmBackend,
  dy: TensorInfo,
  x: TensorInfo,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): TensorInfo {
  const info = tfjs.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const dh = info.dilationHeight;
  const dw = info.dilationWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = backend.makeOutput(x.shape, 'float32');
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  const dxv = f32(backend, dx);
  dxv.fill(0);
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  const rowStride = w * c;
  for (let b = 0; b < n; b++) {
    const xb = b * h * rowStride;
    for (let yo = 0; yo < ho; yo++) {
      const y0 = yo * sh - top;
      for (let xo = 0; xo < wo; xo++) {
        const x0 = xo * sw - left;
        best.fill(-Infinity);
        where.fill(-1);
        for (let fy = 0; fy < fh; fy += dh) {
          const yy = y0 + fy;
          if (yy < 0 || yy >= h) continue;
          for (let fx = 0; fx < fw; fx += dw) {
            const xx = x0 + fx;
            if (xx < 0 || xx >= w) continue;
            const base = xb + yy * rowStride + xx * c;
            for (let k = 0; k < c; k++) {
              const v = xv[base + k]!;
              if (v > best[k]!) {
                best[k] = v;
                where[k] = base + k;
              }
            }
          }
        }
        const dyBase = ((b * ho + yo) * wo + xo) * c;
        for (let k = 0; k < c; k++) {
          const p = where[k]!;
          if (p >= 0) dxv[p] += dyv[dyBase + k]!;
        }
      }
    }
  }
  return dx;
}

export function poolGradConfigs(): KernelConfig[] {
  const original = originalKernel('MaxPoolGrad');
  return [
    {
      kernelName: 'MaxPoolGrad',
      backendName: 'wasm',
      setupFunc: original?.setupFunc,
      kernelFunc: (({ inputs, attrs, backend }) => {
        const a = attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
        return maxPoolGrad(backend as WasmBackend, inputs.dy!, inputs.input!, a.filterSize, a.strides, a.pad, a.dimRoundingMode);
      }) as KernelFn as KernelConfig['kernelFunc'],
    },
  ];
}
