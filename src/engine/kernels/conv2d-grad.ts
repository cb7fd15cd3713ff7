// Gradients of Conv2D for the WASM backend, computed as forward convolutions so that they run through
// XNNPACK (the backend's fast path) instead of naive loops.
//
// Filter gradient: dW[kh,kw,ci,co] = sum_{n,y,x} Xpad[n, y*s+kh, x*s+kw, ci] * dY[n,y,x,co]. With X
//   transposed to [ci,H,W,n] (batch ci, channels n) and dY to [Ho,Wo,n,co] (a filter of Ho x Wo taps,
//   dilated by the stride), this is one 'valid' Conv2D whose output is [ci,KH,KW,co].
// Input gradient: dX = conv2d(dY zero-inserted by the stride and padded by K-1-pad, W flipped in space
//   and with in/out channels swapped), stride 1.
import * as tfjs from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { f32, free, reshape, run, transpose, wasmKernel, type WasmBackend } from './wasm-util.ts';

type Pad = Conv2DBackpropInputAttrs['pad'];

function convInfo(xShape: number[], filterShape: number[], strides: number | [number, number], pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil') {
  return tfjs.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
}

function explicit(t: number, b: number, l: number, r: number): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [t, b],
    [l, r],
    [0, 0],
  ];
}

function checkNHWC(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on the wasm backend supports only dataFormat 'NHWC', got '${String(dataFormat)}'`);
  }
}

/** dW of a 2-D convolution (dilation 1) as one forward convolution. */
export function conv2dFilterGrad(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: number[],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): TensorInfo {
  const info = convInfo(x.shape, filterShape, strides, pad, dimRoundingMode);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo, inHeight: h, inWidth: w } = info;
  const { top, left } = info.padInfo;
  const [n, , , ci] = x.shape as [number, number, number, number];
  const co = filterShape[3]!;
  // Rows the filter gradient reads: (ho-1)*sh + kh, starting at -top.
  const bottom = (ho - 1) * sh + kh - top - h;
  const right = (wo - 1) * sw + kw - left - w;
  const xt = transpose(backend, x, [3, 1, 2, 0]); // [ci, h, w, n]
  const dyt = transpose(backend, dy, [1, 2, 0, 3]); // [ho, wo, n, co]
  let crop: TensorInfo | undefined;
  let src = xt;
  let b = bottom;
  let r = right;
  if (bottom < 0 || right < 0 || top < 0 || left < 0) {
    // Input rows/columns the gradient never reads (e.g. 'valid' with a stride that leaves a remainder):
    // drop them so that the padding stays non-negative.
    const hh = Math.min(h, h + bottom);
    const ww = Math.min(w, w + right);
    crop = run(backend, 'Slice', { x: xt }, { begin: [0, 0, 0, 0], size: [ci, hh, ww, n] });
    src = crop;
    b = Math.max(0, bottom);
    r = Math.max(0, right);
  }
  const out = run(backend, 'Conv2D', { x: src, filter: dyt }, {
    strides: [1, 1],
    pad: explicit(top, b, left, r),
    dataFormat: 'NHWC',
    dilations: [sh, sw],
  }); // [ci, kh, kw, co]
  free(backend, xt, dyt, crop);
  if (out.shape[1] !== kh || out.shape[2] !== kw) {
    throw new Error(`Conv2DBackpropFilter: internal shape ${out.shape} does not match filter ${filterShape}`);
  }
  if (ci === 1) {
    const res = reshape(backend, out, [kh, kw, 1, co]);
    free(backend, out);
    return res;
  }
  const res = transpose(backend, out, [1, 2, 0, 3]);
  free(backend, out);
  return res;
}

/** Inserts (s-1) zeros between rows and columns of dy: [n, (ho-1)*sh+1, (wo-1)*sw+1, c]. */
function zeroInsert(backend: WasmBackend, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [n, ho, wo, c] = dy.shape as [number, number, number, number];
  const hd = (ho - 1) * sh + 1;
  const wd = (wo - 1) * sw + 1;
  const out = backend.makeOutput([n, hd, wd, c], 'float32');
  const src = f32(backend, dy);
  const dst = f32(backend, out);
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < ho; y++) {
      let si = ((b * ho + y) * wo) * c;
      let di = ((b * hd + y * sh) * wd) * c;
      for (let x = 0; x < wo; x++) {
        for (let k = 0; k < c; k++) dst[di + k] = src[si + k]!;
        si += c;
        di += sw * c;
      }
    }
  }
  return out;
}

/** dX of a 2-D convolution (dilation 1) as one forward convolution; undefined when the padding does not fit. */
export function conv2dInputGrad(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: number[],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): TensorInfo | undefined {
  const info = convInfo(inputShape, filter.shape, strides, pad, dimRoundingMode);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo, inHeight: h, inWidth: w } = info;
  const pt = kh - 1 - info.padInfo.top;
  const pl = kw - 1 - info.padInfo.left;
  const hd = (ho - 1) * sh + 1;
  const wd = (wo - 1) * sw + 1;
  const pb = h - hd - pt + kh - 1;
  const pr = w - wd - pl + kw - 1;
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) return undefined;
  const flipped = run(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const wt = transpose(backend, flipped, [0, 1, 3, 2]); // [kh, kw, co, ci]
  free(backend, flipped);
  const src = sh > 1 || sw > 1 ? zeroInsert(backend, dy, sh, sw) : dy;
  const out = run(backend, 'Conv2D', { x: src, filter: wt }, {
    strides: [1, 1],
    pad: explicit(pt, pb, pl, pr),
    dataFormat: 'NHWC',
    dilations: [1, 1],
  });
  free(backend, wt);
  if (src !== dy) free(backend, src);
  return out;
}

export function conv2dGradConfigs(): KernelConfig[] {
  return [
    wasmKernel<Conv2DBackpropFilterAttrs>('Conv2DBackpropFilter', (inputs, a, backend) => {
      checkNHWC('Conv2DBackpropFilter', a.dataFormat);
      return conv2dFilterGrad(backend, inputs.x!, inputs.dy!, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
    }),
    wasmKernel<Conv2DBackpropInputAttrs>('Conv2DBackpropInput', (inputs, a, backend) => {
      checkNHWC('Conv2DBackpropInput', a.dataFormat);
      return conv2dInputGrad(backend, inputs.dy!, inputs.filter!, a.inputShape, a.strides, a.pad, a.dimRoundingMode);
    }),
  ];
}
