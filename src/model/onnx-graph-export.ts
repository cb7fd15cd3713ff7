// A TensorFlow.js graph model (model.json with a TF node list + weight shards, such as the pretrained
// NanoDet of models/demo/detector) to an ONNX model, for ONNX Runtime inference. The layers exporter
// (onnx-export.ts) reads Keras layers; this one reads TF ops, one or a few ONNX nodes per op.
//
// Layout: TF graphs converted from PyTorch (NanoDet went PyTorch -> ONNX -> TF -> tfjs) are full of
// NCHW <-> NHWC transposes around every NHWC Conv2D. Each value here carries the permutation between
// its TF tensor and the ONNX tensor that holds it, so a TF Transpose costs no node, elementwise ops
// and pads work in whatever layout their input has (constants are permuted to match at conversion
// time), and an ONNX Transpose is made only where an op needs a given layout (Conv and pools: NCHW;
// Reshape and the outputs: the TF order). A Pad (or PadV2 with -inf) that feeds a VALID convolution
// (or max pool) becomes that node's pads. Constant subgraphs (SparseToDense/AddV2 building reshape
// targets) are folded. float16-quantized weights stay float16 in the file with a Cast after them
// (ONNX Runtime folds it at load), so model.onnx is about the size of the weight shards.
// Written here because no maintained JS library converts tfjs graphs to ONNX (tf2onnx is Python);
// the protobuf encoding is onnx-proto's.
import { createHash } from 'node:crypto';
import type { io } from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { ONNX_OPSET, OnnxExportError, tfPads } from './onnx-export.ts';

const { onnx } = onnxProto;
type INode = import('onnx-proto').onnx.INodeProto;
type ITensor = import('onnx-proto').onnx.ITensorProto;
type IAttribute = import('onnx-proto').onnx.IAttributeProto;

/** TF ops the converter handles. */
export const GRAPH_OPS = [
  'Const', 'Placeholder', 'Identity', 'SparseToDense', 'Pad', 'PadV2', 'Add', 'AddV2', 'Sub', 'Mul', 'RealDiv',
  'Transpose', 'Reshape', 'Conv2D', 'DepthwiseConv2dNative', 'MaxPool', 'AvgPool', 'ConcatV2', 'ResizeBilinear',
  'SplitV', 'LeakyRelu', 'Relu', 'Relu6', 'Sigmoid', 'Tanh',
] as const;

/** How the ONNX model's input relates to the graph's placeholder. */
export interface GraphInputPrep {
  /** The placeholder is NCHW; the ONNX model takes the same image NHWC (the transpose is inside the graph). */
  nhwcInput?: boolean;
  /** The ONNX input is divided by this first (255: 0-255 pixels into a model that wants 0-1). */
  divide?: number;
}

/** The key of model.onnx's metadata_props that holds the fingerprint of the graph it was made from. */
export const SOURCE_FINGERPRINT_KEY = 'toonvision.source_sha256';

interface TfAttr {
  i?: string | number;
  f?: number;
  b?: boolean;
  s?: string;
  list?: { i?: (string | number)[]; f?: number[] };
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
}
interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

type Data = Float32Array | Int32Array | Uint16Array;
interface Const {
  kind: 'const';
  /** float16: weights quantized to half precision, `data` holds the raw halves. */
  dtype: 'float32' | 'float16' | 'int32';
  shape: number[];
  data: Data;
}
interface Val {
  kind: 'val';
  /** The TF tensor's shape. */
  shape: number[];
  /** TF tensor = transpose(ONNX tensor, perm): TF axis i is ONNX axis perm[i]. */
  perm: number[];
  /** The ONNX tensor (made on first use: a Pad fused into its consumer is never made). */
  ref: () => string;
  /** This value is `of` padded (TF axes); a VALID Conv2D/MaxPool may take the pads instead. */
  pad?: { of: Val; begin: number[]; end: number[]; value: number };
}
type Item = Const | Val;

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);
const inverse = (p: readonly number[]) => {
  const q = new Array<number>(p.length);
  p.forEach((v, i) => (q[v] = i));
  return q;
};
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const NHWC_FROM_NCHW = [0, 2, 3, 1];

function memo(f: () => string): () => string {
  let v: string | undefined;
  return () => (v ??= f());
}

/** An IEEE half (raw bits) as a number. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** `data` (row-major, `shape`) transposed: out.shape[i] = shape[perm[i]]. */
function transposeData<T extends Data>(data: T, shape: readonly number[], perm: readonly number[]): T {
  if (same(perm, iota(perm.length))) return data;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = shape.map((_, i) => size(shape.slice(i + 1)));
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const r = shape.length;
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < r; i++) src += idx[i]! * inStrides[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** The weight shards as constants: float16-quantized ones keep their halves, uint8/uint16 ones are dequantized. */
function readWeights(artifacts: io.ModelArtifacts): Map<string, Const> {
  const parts = artifacts.weightData === undefined ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
  const all = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of parts) {
    all.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  const out = new Map<string, Const>();
  let offset = 0;
  for (const spec of artifacts.weightSpecs ?? []) {
    const n = size(spec.shape);
    const q = spec.quantization;
    const take = (bytes: number) => {
      if (offset + bytes > all.length) throw new OnnxExportError(`weight '${spec.name}' runs past the end of the weight data`);
      const b = all.slice(offset, offset + bytes).buffer;
      offset += bytes;
      return b;
    };
    if (q) {
      if (spec.dtype !== 'float32') throw new OnnxExportError(`weight '${spec.name}': quantized ${spec.dtype} weights cannot be converted`);
      if (q.dtype === 'float16') {
        out.set(spec.name, { kind: 'const', dtype: 'float16', shape: spec.shape, data: new Uint16Array(take(2 * n)) });
      } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
        const raw = q.dtype === 'uint8' ? new Uint8Array(take(n)) : new Uint16Array(take(2 * n));
        const scale = q.scale ?? 1;
        const min = q.min ?? 0;
        out.set(spec.name, { kind: 'const', dtype: 'float32', shape: spec.shape, data: Float32Array.from(raw, (v) => v * scale + min) });
      } else {
        throw new OnnxExportError(`weight '${spec.name}': quantization ${String(q.dtype)} cannot be converted`);
      }
    } else if (spec.dtype === 'float32') {
      out.set(spec.name, { kind: 'const', dtype: 'float32', shape: spec.shape, data: new Float32Array(take(4 * n)) });
    } else if (spec.dtype === 'int32') {
      out.set(spec.name, { kind: 'const', dtype: 'int32', shape: spec.shape, data: new Int32Array(take(4 * n)) });
    } else {
      throw new OnnxExportError(`weight '${spec.name}' has dtype ${spec.dtype}, which cannot be converted`);
    }
  }
  return out;
}

function numbers(c: Const): number[] {
  return c.dtype === 'float16' ? Array.from(c.data, halfToFloat) : Array.from(c.data);
}

const attrInt = (name: string, i: number): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
const attrInts = (name: string, ints: number[]): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });
const attrFloat = (name: string, f: number): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });
const attrString = (name: string, s: string): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) });

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

class Emitter {
  readonly nodes: INode[] = [];
  readonly initializers: ITensor[] = [];
  private readonly used = new Set<string>();
  private readonly transposes = new Map<string, string>();

  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}__${k}`;
    this.used.add(name);
    return name;
  }

  node(opType: string, inputs: string[], base: string, attribute: IAttribute[] = [], outputs = 1): string[] {
    const names = iota(outputs).map((k) => this.fresh(k === 0 ? base : `${base}:${k}`));
    this.nodes.push({ opType, input: inputs, output: names, name: names[0], attribute });
    return names;
  }

  one(opType: string, inputs: string[], base: string, attribute: IAttribute[] = []): string {
    return this.node(opType, inputs, base, attribute)[0]!;
  }

  int64(base: string, values: readonly number[]): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [values.length], rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))) });
    return name;
  }

  scalar(base: string, value: number): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims: [], rawData: bytesOf(Float32Array.of(value)) });
    return name;
  }

  /** A float constant with these dims (float16 ones as halves + a Cast to float). */
  float(base: string, c: Const, dims: number[]): string {
    if (c.dtype === 'int32') return this.floatData(base, Float32Array.from(c.data), dims);
    if (c.dtype === 'float32') return this.floatData(base, c.data as Float32Array, dims);
    const half = this.fresh(`${base}_f16`);
    this.initializers.push({ name: half, dataType: onnx.TensorProto.DataType.FLOAT16, dims, rawData: bytesOf(c.data) });
    return this.one('Cast', [half], base, [attrInt('to', onnx.TensorProto.DataType.FLOAT)]);
  }

  private floatData(base: string, data: Float32Array, dims: number[]): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims, rawData: bytesOf(data) });
    return name;
  }

  /** The ONNX tensor C with TF tensor = transpose(C, target), made from `v` (one Transpose at most, made once). */
  as(v: Val, target: readonly number[]): string {
    const tinv = inverse(target);
    const q = tinv.map((i) => v.perm[i]!);
    const src = v.ref();
    if (same(q, iota(q.length))) return src;
    const key = `${src}|${q.join(',')}`;
    let t = this.transposes.get(key);
    if (!t) {
      t = this.one('Transpose', [src], `${src}_t${q.join('')}`, [attrInts('perm', q)]);
      this.transposes.set(key, t);
    }
    return t;
  }
}

/** `v` transposed the TF way (out axis i = in axis q[i]): no ONNX node, only the permutation changes. */
function transposeVal(v: Val, q: readonly number[]): Val {
  return {
    kind: 'val',
    shape: q.map((i) => v.shape[i]!),
    perm: q.map((i) => v.perm[i]!),
    ref: v.ref,
    ...(v.pad ? { pad: { of: transposeVal(v.pad.of, q), begin: q.map((i) => v.pad!.begin[i]!), end: q.map((i) => v.pad!.end[i]!), value: v.pad.value } } : {}),
  };
}

function broadcastShape(a: readonly number[], b: readonly number[], node: string): number[] {
  const r = Math.max(a.length, b.length);
  const pa = [...new Array(r - a.length).fill(1), ...a];
  const pb = [...new Array(r - b.length).fill(1), ...b];
  return pa.map((x, i) => {
    const y = pb[i]!;
    if (x !== y && x !== 1 && y !== 1) throw new OnnxExportError(`node '${node}': shapes ${JSON.stringify(a)} and ${JSON.stringify(b)} do not broadcast`);
    return Math.max(x, y);
  });
}

/** Elementwise `f` of two constants with broadcasting (constant folding). */
function foldBinary(a: Const, b: Const, f: (x: number, y: number) => number, node: string): Const {
  const shape = broadcastShape(a.shape, b.shape, node);
  const r = shape.length;
  const at = (c: Const, vals: number[], idx: number[]) => {
    const s = [...new Array(r - c.shape.length).fill(1), ...c.shape];
    let k = 0;
    for (let i = 0; i < r; i++) k = k * s[i]! + (s[i] === 1 ? 0 : idx[i]!);
    return vals[k]!;
  };
  const va = numbers(a);
  const vb = numbers(b);
  const n = size(shape);
  const out: number[] = [];
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < n; o++) {
    out.push(f(at(a, va, idx), at(b, vb, idx)));
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  const isInt = a.dtype === 'int32' && b.dtype === 'int32';
  return { kind: 'const', dtype: isInt ? 'int32' : 'float32', shape, data: isInt ? Int32Array.from(out) : Float32Array.from(out) };
}

const BINARY: Record<string, { onnx: string; f: (x: number, y: number) => number }> = {
  Add: { onnx: 'Add', f: (x, y) => x + y },
  AddV2: { onnx: 'Add', f: (x, y) => x + y },
  Sub: { onnx: 'Sub', f: (x, y) => x - y },
  Mul: { onnx: 'Mul', f: (x, y) => x * y },
  RealDiv: { onnx: 'Div', f: (x, y) => x / y },
};

function ints(a: TfAttr | undefined): number[] | undefined {
  return a?.list?.i?.map(Number);
}

function str(a: TfAttr | undefined): string | undefined {
  return a?.s === undefined ? undefined : Buffer.from(a.s, 'base64').toString('utf8');
}

/** Converts one TF node; `inputs` are its converted inputs. Returns its outputs. */
function convertNode(e: Emitter, node: TfNode, inputs: Item[]): Item[] {
  const name = node.name;
  const op = node.op;
  const attr = node.attr ?? {};
  const fail = (why: string): never => {
    throw new OnnxExportError(`node '${name}' (${op}): ${why}`);
  };
  const constIn = (k: number, what: string): Const => {
    const c = inputs[k];
    if (!c || c.kind !== 'const') return fail(`its ${what} (input ${k}) is not a constant`);
    return c;
  };
  const valIn = (k: number): Val => {
    const v = inputs[k];
    if (!v) return fail(`input ${k} is missing`);
    if (v.kind === 'val') return v;
    return constVal(e, v, `${name}_in${k}`);
  };
  const nhwc = (what: string) => {
    const f = str(attr.data_format) ?? 'NHWC';
    if (f !== 'NHWC') fail(`data_format ${f} is not supported (only NHWC) for ${what}`);
  };
  const window = (x: Val, k: [number, number], s: [number, number], d: [number, number], padValue: number | undefined) => {
    // Explicit ONNX pads [top, left, bottom, right] and the input they apply to.
    const padding = str(attr.padding) ?? 'VALID';
    let src = x;
    let pads = [0, 0, 0, 0];
    if (padding === 'SAME') pads = tfPads('same', [x.shape[1]!, x.shape[2]!], k, s, d).pads;
    else if (padding === 'EXPLICIT') {
      const p = ints(attr.explicit_paddings) ?? [];
      if (p.length !== 8 || p[0] || p[1] || p[6] || p[7]) fail(`explicit_paddings ${JSON.stringify(p)} must pad only height and width`);
      pads = [p[2]!, p[4]!, p[3]!, p[5]!];
    } else if (padding !== 'VALID') fail(`padding ${padding} is not supported`);
    else if (x.pad && padValue !== undefined && x.pad.value === padValue && !x.pad.begin[0] && !x.pad.end[0] && !x.pad.begin[3] && !x.pad.end[3]) {
      src = x.pad.of;
      pads = [x.pad.begin[1]!, x.pad.begin[2]!, x.pad.end[1]!, x.pad.end[2]!];
    }
    const out = [0, 1].map((i) => Math.floor((src.shape[i + 1]! + pads[i]! + pads[i + 2]! - ((k[i]! - 1) * d[i]! + 1)) / s[i]!) + 1) as [number, number];
    return { src, pads, out };
  };
  switch (op) {
    case 'Identity':
      return [inputs[0]!];
    case 'SparseToDense': {
      const indices = constIn(0, 'indices');
      const outShape = numbers(constIn(1, 'output shape'));
      const values = constIn(2, 'values');
      const fill = numbers(constIn(3, 'default value'))[0] ?? 0;
      const isInt = values.dtype === 'int32';
      const data = isInt ? new Int32Array(size(outShape)).fill(fill) : new Float32Array(size(outShape)).fill(fill);
      const idx = numbers(indices);
      const vals = numbers(values);
      const rank = outShape.length;
      const count = indices.shape.length === 0 ? 1 : indices.shape[0]!;
      for (let k = 0; k < count; k++) {
        let flat = 0;
        for (let i = 0; i < rank; i++) flat = flat * outShape[i]! + idx[k * rank + i]!;
        data[flat] = vals.length === 1 ? vals[0]! : vals[k]!;
      }
      return [{ kind: 'const', dtype: isInt ? 'int32' : 'float32', shape: outShape, data }];
    }
    case 'Add':
    case 'AddV2':
    case 'Sub':
    case 'Mul':
    case 'RealDiv': {
      const b = BINARY[op]!;
      const [x, y] = inputs;
      if (!x || !y) return fail('needs two inputs');
      if (x.kind === 'const' && y.kind === 'const') return [foldBinary(x, y, b.f, name)];
      const v = x.kind === 'val' ? x : (y as Val);
      const r = v.shape.length;
      const operand = (it: Item, k: number): string => {
        if (it.kind === 'val') {
          if (it.shape.length !== r) fail(`broadcasting between tensors of rank ${r} and ${it.shape.length} is not supported`);
          return e.as(it, v.perm);
        }
        if (it.shape.length > r) fail(`a constant of rank ${it.shape.length} on a tensor of rank ${r} is not supported`);
        const s = [...new Array(r - it.shape.length).fill(1), ...it.shape];
        const pinv = inverse(v.perm);
        return e.float(`${name}_c${k}`, { ...it, data: transposeData(it.data, s, pinv), shape: pinv.map((i) => s[i]!) }, pinv.map((i) => s[i]!));
      };
      const out = e.one(b.onnx, [operand(x, 0), operand(y, 1)], name);
      return [{ kind: 'val', shape: broadcastShape(x.shape, y.shape, name), perm: v.perm, ref: () => out }];
    }
    case 'LeakyRelu':
    case 'Relu':
    case 'Relu6':
    case 'Sigmoid':
    case 'Tanh': {
      const x = valIn(0);
      let out: string;
      if (op === 'LeakyRelu') out = e.one('LeakyRelu', [x.ref()], name, [attrFloat('alpha', attr.alpha?.f ?? 0.2)]);
      else if (op === 'Relu6') out = e.one('Clip', [x.ref(), e.scalar(`${name}_min`, 0), e.scalar(`${name}_max`, 6)], name);
      else out = e.one(op, [x.ref()], name);
      return [{ kind: 'val', shape: x.shape, perm: x.perm, ref: () => out }];
    }
    case 'Pad':
    case 'PadV2': {
      const x = valIn(0);
      const p = numbers(constIn(1, 'paddings'));
      const r = x.shape.length;
      if (p.length !== 2 * r) fail(`paddings ${JSON.stringify(p)} do not fit rank ${r}`);
      const begin = iota(r).map((i) => p[2 * i]!);
      const end = iota(r).map((i) => p[2 * i + 1]!);
      const value = op === 'PadV2' ? numbers(constIn(2, 'constant value'))[0]! : 0;
      const pinv = inverse(x.perm);
      const ref = memo(() => e.one('Pad', [x.ref(), e.int64(`${name}_pads`, [...pinv.map((i) => begin[i]!), ...pinv.map((i) => end[i]!)]), e.scalar(`${name}_value`, value)], name, [attrString('mode', 'constant')]));
      return [{ kind: 'val', shape: x.shape.map((d, i) => d + begin[i]! + end[i]!), perm: x.perm, ref, pad: { of: x, begin, end, value } }];
    }
    case 'Transpose': {
      const q = numbers(constIn(1, 'permutation'));
      const x = inputs[0]!;
      if (x.kind === 'const') return [{ ...x, data: transposeData(x.data, x.shape, q), shape: q.map((i) => x.shape[i]!) }];
      return [transposeVal(x, q)];
    }
    case 'Reshape': {
      const target = numbers(constIn(1, 'shape'));
      const x = inputs[0]!;
      const known = target.filter((d) => d !== -1);
      if (target.some((d) => d === 0 || d < -1) || target.length - known.length > 1) fail(`shape ${JSON.stringify(target)} is not supported`);
      const shape = target.map((d) => (d === -1 ? size(x.shape) / size(known) : d));
      if (!Number.isInteger(size(shape)) || size(shape) !== size(x.shape)) fail(`cannot reshape ${JSON.stringify(x.shape)} to ${JSON.stringify(target)}`);
      if (x.kind === 'const') return [{ ...x, shape }];
      const out = e.one('Reshape', [e.as(x, iota(x.shape.length)), e.int64(`${name}_shape`, target)], name);
      return [{ kind: 'val', shape, perm: iota(shape.length), ref: () => out }];
    }
    case 'Conv2D':
    case 'DepthwiseConv2dNative': {
      nhwc('a convolution');
      const x = valIn(0);
      const w = constIn(1, 'filter');
      if (x.shape.length !== 4 || w.shape.length !== 4) fail('needs a 4-D input and filter');
      const [kh, kw, wi, wo] = w.shape as [number, number, number, number];
      const st = ints(attr.strides) ?? [1, 1, 1, 1];
      const dl = ints(attr.dilations) ?? [1, 1, 1, 1];
      const { src, pads, out } = window(x, [kh, kw], [st[1]!, st[2]!], [dl[1]!, dl[2]!], 0);
      const ci = x.shape[3]!;
      let weights: Const;
      let group: number;
      let co: number;
      if (op === 'Conv2D') {
        if (wi !== ci) fail(`filter channels ${wi} differ from the input's ${ci} (grouped convolution is not supported)`);
        group = 1;
        co = wo;
        weights = { ...w, data: transposeData(w.data, w.shape, [3, 2, 0, 1]), shape: [wo, wi, kh, kw] };
      } else {
        // [kh, kw, ci, multiplier] -> [ci * multiplier, 1, kh, kw], output channel c * multiplier + m (TF's order).
        if (wi !== ci) fail(`filter channels ${wi} differ from the input's ${ci}`);
        group = ci;
        co = ci * wo;
        weights = { ...w, data: transposeData(w.data, w.shape, [2, 3, 0, 1]), shape: [co, 1, kh, kw] };
      }
      const y = e.one('Conv', [e.as(src, NHWC_FROM_NCHW), e.float(`${name}_W`, weights, weights.shape)], name, [
        attrInts('kernel_shape', [kh, kw]), attrInts('strides', [st[1]!, st[2]!]), attrInts('dilations', [dl[1]!, dl[2]!]), attrInts('pads', pads), attrInt('group', group),
      ]);
      return [{ kind: 'val', shape: [x.shape[0]!, out[0], out[1], co], perm: NHWC_FROM_NCHW, ref: () => y }];
    }
    case 'MaxPool':
    case 'AvgPool': {
      nhwc('a pool');
      const x = valIn(0);
      if (x.shape.length !== 4) fail('needs a 4-D input');
      const k = ints(attr.ksize) ?? [];
      const s = ints(attr.strides) ?? [];
      if (k.length !== 4 || s.length !== 4 || k[0] !== 1 || k[3] !== 1 || s[0] !== 1 || s[3] !== 1) fail(`ksize ${JSON.stringify(k)} / strides ${JSON.stringify(s)} must pool height and width only`);
      const { src, pads, out } = window(x, [k[1]!, k[2]!], [s[1]!, s[2]!], [1, 1], op === 'MaxPool' ? -Infinity : undefined);
      // TF's SAME average pool divides by the pixels inside the image: count_include_pad 0 (ONNX's default).
      const y = e.one(op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [e.as(src, NHWC_FROM_NCHW)], name, [attrInts('kernel_shape', [k[1]!, k[2]!]), attrInts('strides', [s[1]!, s[2]!]), attrInts('pads', pads)]);
      return [{ kind: 'val', shape: [x.shape[0]!, out[0], out[1], x.shape[3]!], perm: NHWC_FROM_NCHW, ref: () => y }];
    }
    case 'ConcatV2': {
      const n = inputs.length - 1;
      const r = (inputs[0] as Item).shape.length;
      let axis = numbers(constIn(n, 'axis'))[0]!;
      if (axis < 0) axis += r;
      const first = inputs.slice(0, n).find((it): it is Val => it.kind === 'val');
      const vals = iota(n).map(valIn);
      const p = first ? first.perm : iota(r);
      const shape = [...vals[0]!.shape];
      shape[axis] = vals.reduce((t, v) => t + v.shape[axis]!, 0);
      const out = e.one('Concat', vals.map((v) => e.as(v, p)), name, [attrInt('axis', p[axis]!)]);
      return [{ kind: 'val', shape, perm: p, ref: () => out }];
    }
    case 'SplitV': {
      const x = valIn(0);
      const sizes = numbers(constIn(1, 'sizes'));
      let axis = numbers(constIn(2, 'axis'))[0]!;
      if (axis < 0) axis += x.shape.length;
      const rest = x.shape[axis]! - sizes.filter((s) => s !== -1).reduce((a, b) => a + b, 0);
      const parts = sizes.map((s) => (s === -1 ? rest : s));
      const outs = e.node('Split', [x.ref(), e.int64(`${name}_sizes`, parts)], name, [attrInt('axis', x.perm[axis]!)], parts.length);
      return parts.map((s, k) => {
        const shape = [...x.shape];
        shape[axis] = s;
        return { kind: 'val', shape, perm: x.perm, ref: () => outs[k]! };
      });
    }
    case 'ResizeBilinear': {
      const x = valIn(0);
      const [h, w] = numbers(constIn(1, 'size'));
      if (x.shape.length !== 4) fail('needs a 4-D input');
      const mode = attr.align_corners?.b ? 'align_corners' : attr.half_pixel_centers?.b ? 'half_pixel' : 'asymmetric';
      const shape = [x.shape[0]!, h!, w!, x.shape[3]!];
      const pinv = inverse(x.perm);
      // TF clamps source coordinates to the image the way ONNX Runtime's linear resize does.
      const out = e.one('Resize', [x.ref(), '', '', e.int64(`${name}_sizes`, pinv.map((i) => shape[i]!))], name, [
        attrString('mode', 'linear'), attrString('coordinate_transformation_mode', mode),
      ]);
      return [{ kind: 'val', shape, perm: x.perm, ref: () => out }];
    }
    default:
      return fail(`this op cannot be converted to ONNX (supported: ${GRAPH_OPS.join(', ')})`);
  }
}

/** A constant used where a tensor is wanted, as an initializer in TF order. */
function constVal(e: Emitter, c: Const, base: string): Val {
  return { kind: 'val', shape: c.shape, perm: iota(c.shape.length), ref: memo(() => e.float(base, c, c.shape)) };
}

function valueInfo(name: string, dims: number[]): import('onnx-proto').onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

/** A fingerprint of a graph model (its topology and weights): model.onnx records the one it was made from. */
export function graphFingerprint(artifacts: io.ModelArtifacts): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(artifacts.modelTopology ?? null));
  h.update(JSON.stringify(artifacts.weightSpecs ?? null));
  const parts = artifacts.weightData === undefined ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
  for (const b of parts) h.update(new Uint8Array(b));
  return h.digest('hex');
}

/** The fingerprint model.onnx records (undefined when it has none or does not parse). */
export function onnxSourceFingerprint(bytes: Uint8Array): string | undefined {
  try {
    return onnx.ModelProto.decode(bytes).metadataProps?.find((p) => p.key === SOURCE_FINGERPRINT_KEY)?.value ?? undefined;
  } catch {
    return undefined;
  }
}

/** The graph's output tensors ('node' or 'node:k'), in the order TensorFlow.js returns them. */
function outputRefs(artifacts: io.ModelArtifacts, nodes: TfNode[]): string[] {
  const sig = artifacts.signature as { outputs?: Record<string, { name?: string }> } | undefined;
  if (sig?.outputs && Object.keys(sig.outputs).length > 0) return Object.values(sig.outputs).map((o, k) => (o.name ?? Object.keys(sig.outputs!)[k]!).replace(/:0$/, ''));
  const consumed = new Set(nodes.flatMap((n) => (n.input ?? []).map((i) => i.replace(/^\^/, '').replace(/:\d+$/, ''))));
  return nodes.filter((n) => n.op !== 'Const' && n.op !== 'Placeholder' && !consumed.has(n.name)).map((n) => n.name);
}

/**
 * Encodes a TensorFlow.js graph model as an ONNX ModelProto (opset 13), float32 in and out, outputs in
 * TensorFlow.js' order. Throws an OnnxExportError naming the first node it cannot convert.
 */
export function exportGraphOnnx(artifacts: io.ModelArtifacts, opts: { name?: string; input?: GraphInputPrep } = {}): Uint8Array {
  const topology = artifacts.modelTopology as { node?: TfNode[] } | undefined;
  const nodes = topology?.node;
  if (!Array.isArray(nodes)) throw new OnnxExportError('model.json is not a TensorFlow.js graph model (no modelTopology.node list)');
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const weights = readWeights(artifacts);
  const e = new Emitter();
  const placeholders = nodes.filter((n) => n.op === 'Placeholder');
  if (placeholders.length !== 1) throw new OnnxExportError(`the graph has ${placeholders.length} inputs; only one can be converted`);
  const ph = placeholders[0]!;
  const dims = (ph.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1));
  if (dims.length === 0 || dims.slice(1).some((d) => d < 1)) throw new OnnxExportError(`input '${ph.name}' has shape ${JSON.stringify(dims)}; only fixed shapes can be converted`);
  if (dims[0]! < 1) dims[0] = 1;
  const prep = opts.input ?? {};
  if (prep.nhwcInput && dims.length !== 4) throw new OnnxExportError(`input '${ph.name}' is not 4-D, so it cannot be taken NHWC`);
  const inputDims = prep.nhwcInput ? NHWC_FROM_NCHW.map((i) => dims[i]!) : dims;
  const inputName = 'input';
  e.fresh(inputName);
  // The output names first: a node that is itself an output (not behind an Identity) gets a suffixed name.
  const outRefs = outputRefs(artifacts, nodes);
  const outNames = outRefs.map((ref) => e.fresh(ref));
  let first = inputName;
  if (prep.divide !== undefined && prep.divide !== 1) first = e.one('Div', [inputName, e.scalar('input_scale', prep.divide)], 'input_scaled');
  const inputVal: Val = { kind: 'val', shape: dims, perm: prep.nhwcInput ? [0, 3, 1, 2] : iota(dims.length), ref: () => first };

  const done = new Map<string, Item[]>();
  const visiting = new Set<string>();
  const resolve = (ref: string): Item => {
    const m = /^(.*?)(?::(\d+))?$/.exec(ref)!;
    const items = visit(m[1]!);
    const k = Number(m[2] ?? 0);
    const it = items[k];
    if (!it) throw new OnnxExportError(`output ${k} of node '${m[1]}' does not exist`);
    return it;
  };
  const visit = (name: string): Item[] => {
    const hit = done.get(name);
    if (hit) return hit;
    const node = byName.get(name);
    if (!node) throw new OnnxExportError(`node '${name}' is read but not in the graph`);
    if (visiting.has(name)) throw new OnnxExportError(`node '${name}' is part of a cycle`);
    visiting.add(name);
    let out: Item[];
    if (node.op === 'Placeholder') out = [inputVal];
    else if (node.op === 'Const') {
      const c = weights.get(name);
      if (!c) throw new OnnxExportError(`node '${name}' (Const) has no value in the weights`);
      out = [c];
    } else {
      const ins = (node.input ?? []).filter((i) => !i.startsWith('^')).map(resolve);
      out = convertNode(e, node, ins);
    }
    visiting.delete(name);
    done.set(name, out);
    return out;
  };

  const outputs = outRefs.map((ref, k) => {
    const it = resolve(ref);
    if (it.kind !== 'val') throw new OnnxExportError(`output '${ref}' is a constant`);
    const name = outNames[k]!;
    e.nodes.push({ opType: 'Identity', input: [e.as(it, iota(it.shape.length))], output: [name], name });
    return valueInfo(name, it.shape);
  });
  return onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'toonvision',
    producerVersion: '1',
    metadataProps: [{ key: SOURCE_FINGERPRINT_KEY, value: graphFingerprint(artifacts) }],
    graph: { name: opts.name ?? 'graph', node: e.nodes, initializer: e.initializers, input: [valueInfo(inputName, inputDims)], output: outputs },
  }).finish();
}
