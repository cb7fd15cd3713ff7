// Row copies on the WASM backend as memcpy:
// - GatherV2 along axis 0, one memcpy per gathered row. model.fit slices every batch out of the whole
//   training tensor with GatherV2; the backend's own kernel copies element by element (about 250 ms
//   per batch of 32 600x200x3 crops). Other axes fall back to it.
// - Slice of a contiguous block (e.g. rows along the first axis, which model.predict takes from its
//   input even for one crop: 6.9 ms of a 16 ms single-crop prediction). Others fall back.
import * as tfjs from '@tensorflow/tfjs';
import type { GatherV2Attrs, KernelConfig, SliceAttrs, TensorInfo } from '@tensorflow/tfjs';
import { originalKernel, wasmKernel, type WasmBackend } from './wasm-util.ts';

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

function gatherRows(backend: WasmBackend, x: TensorInfo, indices: TensorInfo): TensorInfo | undefined {
  const bytes = BYTES[x.dtype];
  if (!bytes || indices.dtype !== 'int32' || x.shape.length < 1) return undefined;
  const rows = x.shape[0]!;
  let rowSize = 1;
  for (const d of x.shape.slice(1)) rowSize *= d;
  const heap = () => new Uint8Array(backend.wasm.wasmMemory?.buffer ?? backend.wasm.HEAPU8.buffer);
  const idxOffset = backend.dataIdMap.get(indices.dataId).memoryOffset;
  let count = 1;
  for (const d of indices.shape) count *= d;
  const idx = new Int32Array(heap().buffer, idxOffset, count).slice();
  for (const i of idx) if (i < 0 || i >= rows) return undefined; // let the backend report it
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  const src = backend.dataIdMap.get(x.dataId).memoryOffset;
  const dst = backend.dataIdMap.get(out.dataId).memoryOffset;
  const rowBytes = rowSize * bytes;
  const h = heap();
  for (let k = 0; k < idx.length; k++) h.copyWithin(dst + k * rowBytes, src + idx[k]! * rowBytes, src + (idx[k]! + 1) * rowBytes);
  return out;
}

/** A slice that is one contiguous block of x: one memcpy (or shared data when it is all of x). */
function sliceBlock(backend: WasmBackend, x: TensorInfo, beginIn: number | number[], sizeIn: number | number[] | undefined): TensorInfo | undefined {
  const bytes = BYTES[x.dtype];
  if (!bytes || x.shape.length === 0) return undefined;
  const [begin, size] = tfjs.slice_util.parseSliceParams(x, beginIn, sizeIn) as [number[], number[]];
  const rank = x.shape.length;
  // Contiguous when every axis after the first one with more than one element is taken whole.
  let k = 0;
  while (k < rank && size[k] === 1) k++;
  for (let i = k + 1; i < rank; i++) if (begin[i] !== 0 || size[i] !== x.shape[i]) return undefined;
  let count = 1;
  for (const d of size) count *= d;
  let offset = 0;
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    offset += begin[i]! * stride;
    stride *= x.shape[i]!;
  }
  if (count === 0) return undefined;
  const src = backend.dataIdMap.get(x.dataId).memoryOffset + offset * bytes;
  const out = backend.makeOutput(size, x.dtype);
  const dst = backend.dataIdMap.get(out.dataId).memoryOffset;
  new Uint8Array(backend.wasm.wasmMemory?.buffer ?? backend.wasm.HEAPU8.buffer).copyWithin(dst, src, src + count * bytes);
  return out;
}

export function gatherConfigs(): KernelConfig[] {
  if (!originalKernel('GatherV2') || !originalKernel('Slice')) return [];
  return [
    wasmKernel<SliceAttrs>('Slice', (inputs, a, backend) => sliceBlock(backend, inputs.x!, a.begin, a.size)),
    wasmKernel<GatherV2Attrs>('GatherV2', (inputs, a, backend) => {
      const x = inputs.x!;
      const axis = a.axis < 0 ? a.axis + x.shape.length : a.axis;
      return axis === 0 && !a.batchDims ? gatherRows(backend, x, inputs.indices!) : undefined;
    }),
  ];
}
