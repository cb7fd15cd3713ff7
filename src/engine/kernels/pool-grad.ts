// MaxPoolGrad for the WASM backend as a tight JS loop over the WASM heap. The backend's own kernel
// scatters with generic index arithmetic and was the largest cost of a training step after the
// convolutions (about 5x slower than this one on the seed CNN's first pooling layer).
// Semantics match the CPU backend: each window's gradient goes to its first maximum (row-major scan).
import * as tfjs from '@tensorflow/tfjs';
import type { KernelConfig, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import { f32, wasmKernel, type WasmBackend } from './wasm-util.ts';

type Pad = MaxPoolGradAttrs['pad'];

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
  if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && dh === 1 && dw === 1 && top === 0 && left === 0 && 2 * ho <= h && 2 * wo <= w) {
    pool2x2Grad(xv, dyv, dxv, n, h, w, c, ho, wo);
    return dx;
  }
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

/**
 * The common 2x2, stride-2 pool without padding: windows do not overlap, so after one zero-fill of dx
 * each window writes its gradient once, at its argmax, with no accumulation (a leftover odd row or
 * column stays 0). Selects instead of branches where V8 allows (the argmax is data-dependent).
 */
function pool2x2Grad(xv: Float32Array, dyv: Float32Array, dxv: Float32Array, n: number, h: number, w: number, c: number, ho: number, wo: number): void {
  dxv.fill(0);
  const rs = w * c;
  for (let b = 0; b < n; b++) {
    for (let yo = 0; yo < ho; yo++) {
      let p = (b * h + 2 * yo) * rs;
      let q = (b * ho + yo) * wo * c;
      for (let xo = 0; xo < wo; xo++) {
        for (let k = 0; k < c; k++) {
          const i0 = p + k;
          const a0 = xv[i0]!;
          const a1 = xv[i0 + c]!;
          const a2 = xv[i0 + rs]!;
          const a3 = xv[i0 + rs + c]!;
          // First maximum in scan order (strict >), as the CPU backend picks it.
          let at = i0;
          let m = a0;
          if (a1 > m) {
            m = a1;
            at = i0 + c;
          }
          if (a2 > m) {
            m = a2;
            at = i0 + rs;
          }
          if (a3 > m) at = i0 + rs + c;
          dxv[at] = dyv[q + k]!;
        }
        p += 2 * c;
        q += c;
      }
    }
  }
}

export function poolGradConfigs(): KernelConfig[] {
  return [
    wasmKernel<MaxPoolGradAttrs>('MaxPoolGrad', (inputs, a, backend) => maxPoolGrad(backend, inputs.dy!, inputs.input!, a.filterSize, a.strides, a.pad, a.dimRoundingMode)),
  ];
}
