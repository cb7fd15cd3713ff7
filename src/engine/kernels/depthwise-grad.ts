// Gradients of DepthwiseConv2dNative, which the WASM backend lacks (needed to train separable or
// depthwise convolutions, e.g. in a light detector). Depthwise work is small (k*k MACs per output
// element), so direct loops over the WASM heap are enough. Channel multipliers, strides, dilations
// and any padding are supported.
import * as tfjs from '@tensorflow/tfjs';
import type { DepthwiseConv2dNativeBackpropFilterAttrs, DepthwiseConv2dNativeBackpropInputAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { f32, wasmKernel, type WasmBackend } from './wasm-util.ts';

/** What the two gradients share of tfjs's attributes for them. */
type Attrs = Pick<DepthwiseConv2dNativeBackpropInputAttrs, 'strides' | 'dilations' | 'pad' | 'dimRoundingMode'>;

function info(xShape: number[], filterShape: number[], a: Attrs) {
  return tfjs.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    true,
    'channelsLast',
  );
}

/**
 * Calls `tap(dyBase, xBase, tapBase)` for every (output position, filter tap) pair that lands inside
 * the input: the offsets of dy[b, y, x, :], x[b, r, col, :] and filter[fy, fx, :, :]. Both gradients
 * are sums over exactly these pairs.
 */
function forEachTap(ci: ReturnType<typeof info>, m: number, tap: (dyBase: number, xBase: number, tapBase: number) => void): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: kh, filterWidth: kw } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const oc = c * m;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < ho; y++) {
      for (let xo = 0; xo < wo; xo++) {
        const dyBase = ((b * ho + y) * wo + xo) * oc;
        for (let fy = 0; fy < kh; fy++) {
          const r = y * sh + fy * dh - top;
          if (r < 0 || r >= h) continue;
          for (let fx = 0; fx < kw; fx++) {
            const col = xo * sw + fx * dw - left;
            if (col < 0 || col >= w) continue;
            tap(dyBase, ((b * h + r) * w + col) * c, (fy * kw + fx) * oc);
          }
        }
      }
    }
  }
}

export function depthwiseFilterGrad(backend: WasmBackend, x: TensorInfo, dy: TensorInfo, filterShape: number[], a: Attrs): TensorInfo {
  const ci = info(x.shape, filterShape, a);
  const c = ci.inChannels;
  const m = filterShape[3]!;
  const acc = new Float64Array(ci.filterHeight * ci.filterWidth * c * m);
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  forEachTap(ci, m, (dyBase, xBase, aBase) => {
    for (let k = 0; k < c; k++) {
      const xval = xv[xBase + k]!;
      for (let q = 0; q < m; q++) acc[aBase + k * m + q] += xval * dyv[dyBase + k * m + q]!;
    }
  });
  const out = backend.makeOutput(filterShape, 'float32');
  f32(backend, out).set(acc);
  return out;
}

export function depthwiseInputGrad(backend: WasmBackend, dy: TensorInfo, filter: TensorInfo, inputShape: number[], a: Attrs): TensorInfo {
  const ci = info(inputShape, filter.shape, a);
  const c = ci.inChannels;
  const m = filter.shape[3]!;
  const out = backend.makeOutput(inputShape, 'float32');
  const dxv = f32(backend, out);
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  dxv.fill(0);
  forEachTap(ci, m, (dyBase, xBase, wBase) => {
    for (let k = 0; k < c; k++) {
      let s = 0;
      for (let q = 0; q < m; q++) s += dyv[dyBase + k * m + q]! * wv[wBase + k * m + q]!;
      dxv[xBase + k] += s;
    }
  });
  return out;
}

export function depthwiseGradConfigs(): KernelConfig[] {
  return [
    wasmKernel<DepthwiseConv2dNativeBackpropFilterAttrs>('DepthwiseConv2dNativeBackpropFilter', (inputs, a, backend) => depthwiseFilterGrad(backend, inputs.x!, inputs.dy!, a.filterShape, a)),
    wasmKernel<DepthwiseConv2dNativeBackpropInputAttrs>('DepthwiseConv2dNativeBackpropInput', (inputs, a, backend) => depthwiseInputGrad(backend, inputs.dy!, inputs.filter!, a.inputShape, a)),
  ];
}
