// A tfjs LayersModel (as model folders hold it) to an ONNX model, for ONNX Runtime inference.
// The graph keeps the model's NHWC float input [N, h, w, 3] and output; 4-D tensors are moved to
// NCHW where a layer needs it (ONNX Conv and pools are NCHW only) and back where order matters
// (Flatten, Dense, the outputs); each transpose is made once per tensor. Written here because no
// maintained JS library converts tfjs layers to ONNX (tf2onnx is Python); the protobuf encoding is
// onnx-proto's (ONNX's own schema), not hand-written.
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { ToonVisionError } from '../errors.ts';

const { onnx } = onnxProto;
type INode = import('onnx-proto').onnx.INodeProto;
type ITensor = import('onnx-proto').onnx.ITensorProto;
type IAttribute = import('onnx-proto').onnx.IAttributeProto;

export const ONNX_OPSET = 13;

/** tfjs layer classes the exporter converts. */
export const ONNX_LAYERS = [
  'InputLayer', 'Rescaling', 'Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D',
  'GlobalMaxPooling2D', 'Dropout', 'Flatten', 'Dense', 'BatchNormalization', 'Activation', 'ReLU',
  'UpSampling2D', 'Add', 'Concatenate',
] as const;

/** Activations the exporter converts (tfjs names). */
export const ONNX_ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'softmax', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'hardSigmoid', 'hard_sigmoid', 'swish'] as const;

export class OnnxExportError extends ToonVisionError {
  constructor(reason: string) {
    super(reason, { code: 'onnx-export' });
  }
}

type Layout = 'nhwc' | 'nchw' | 'plain';
interface Value {
  name: string;
  layout: Layout;
  /** Rank of the tensor (batch included). */
  rank: number;
  /** Shape without the batch, in NHWC order for 4-D tensors. */
  shape: number[];
}

interface LayerSpec {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes?: [string, number, number, unknown?][][];
}

const attrInt = (name: string, i: number): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
const attrInts = (name: string, ints: number[]): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });
const attrFloat = (name: string, f: number): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });
const attrString = (name: string, s: string): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) });

function pair(v: unknown, what: string, layer: string): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((n) => Number.isInteger(n))) throw new OnnxExportError(`layer '${layer}': ${what} ${JSON.stringify(v)} is not two integers`);
  return [a[0] as number, a[1] as number];
}

/** TF 'same'/'valid' padding as explicit ONNX pads [top, left, bottom, right] (TF puts the odd pixel at the end). */
export function tfPads(padding: string, inHW: [number, number], kernel: [number, number], strides: [number, number], dilation: [number, number] = [1, 1]): { pads: number[]; out: [number, number] } {
  if (padding === 'valid') {
    const out = inHW.map((n, i) => Math.floor((n - (kernel[i]! - 1) * dilation[i]! - 1) / strides[i]!) + 1) as [number, number];
    return { pads: [0, 0, 0, 0], out };
  }
  if (padding !== 'same') throw new OnnxExportError(`padding '${padding}' is not supported (valid, same)`);
  const out = inHW.map((n, i) => Math.ceil(n / strides[i]!)) as [number, number];
  const total = inHW.map((n, i) => Math.max(0, (out[i]! - 1) * strides[i]! + (kernel[i]! - 1) * dilation[i]! + 1 - n));
  return { pads: [Math.floor(total[0]! / 2), Math.floor(total[1]! / 2), total[0]! - Math.floor(total[0]! / 2), total[1]! - Math.floor(total[1]! / 2)], out };
}

class GraphBuilder {
  readonly nodes: INode[] = [];
  readonly initializers: ITensor[] = [];
  private counter = 0;
  private readonly transposed = new Map<string, Value>();

  fresh(base: string): string {
    return `${base}__${this.counter++}`;
  }

  constant(base: string, data: Float32Array | number[], dims: number[]): string {
    const name = this.fresh(base);
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    // raw little-endian bytes, as ONNX stores them (and as every platform onnxruntime-node ships for is)
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims, rawData: new Uint8Array(f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength)) });
    return name;
  }

  node(opType: string, inputs: string[], base: string, attribute: IAttribute[] = []): string {
    const out = this.fresh(base);
    this.nodes.push({ opType, input: inputs, output: [out], name: out, attribute });
    return out;
  }

  /** `v` in the wanted layout (4-D only; other ranks are returned as they are). */
  layout(v: Value, want: 'nhwc' | 'nchw'): Value {
    if (v.rank !== 4 || v.layout === want) return v;
    const key = `${v.name}->${want}`;
    const hit = this.transposed.get(key);
    if (hit) return hit;
    const perm = want === 'nchw' ? [0, 3, 1, 2] : [0, 2, 3, 1];
    const t: Value = { ...v, name: this.node('Transpose', [v.name], `${v.name}_${want}`, [attrInts('perm', perm)]), layout: want };
    this.transposed.set(key, t);
    return t;
  }

  /** The layer's activation applied to `x` (same layout). */
  activation(x: Value, act: unknown, layer: string): Value {
    const a = act === undefined || act === null ? 'linear' : String(act);
    const op = (opType: string, attrs: IAttribute[] = []) => ({ ...x, name: this.node(opType, [x.name], `${layer}_${a}`, attrs) });
    switch (a) {
      case 'linear':
        return x;
      case 'relu':
        return op('Relu');
      case 'relu6':
        return { ...x, name: this.node('Clip', [x.name, this.constant('zero', [0], []), this.constant('six', [6], [])], `${layer}_relu6`) };
      case 'sigmoid':
        return op('Sigmoid');
      case 'tanh':
        return op('Tanh');
      case 'elu':
        return op('Elu', [attrFloat('alpha', 1)]);
      case 'selu':
        return op('Selu');
      case 'softplus':
        return op('Softplus');
      case 'softsign':
        return op('Softsign');
      case 'hardSigmoid':
      case 'hard_sigmoid':
        return op('HardSigmoid', [attrFloat('alpha', 0.2), attrFloat('beta', 0.5)]);
      case 'swish': {
        const s = this.node('Sigmoid', [x.name], `${layer}_swish_sigmoid`);
        return { ...x, name: this.node('Mul', [x.name, s], `${layer}_swish`) };
      }
      case 'softmax': {
        // tfjs softmax is over the last axis: in NHWC order.
        const y = x.rank === 4 ? this.layout(x, 'nhwc') : x;
        return { ...y, name: this.node('Softmax', [y.name], `${layer}_softmax`, [attrInt('axis', y.rank - 1)]) };
      }
      default:
        throw new OnnxExportError(`layer '${layer}': activation '${a}' cannot be exported (supported: ${ONNX_ACTIVATIONS.join(', ')})`);
    }
  }
}

/** Per-channel multiply and add, broadcast over the channel axis of `x`'s layout. */
function channelAffine(g: GraphBuilder, x: Value, scale: Float32Array, shift: Float32Array, layer: string): Value {
  const c = scale.length;
  const dims = x.rank === 4 && x.layout === 'nchw' ? [c, 1, 1] : [c];
  const m = g.node('Mul', [x.name, g.constant(`${layer}_scale`, scale, dims)], `${layer}_mul`);
  return { ...x, name: g.node('Add', [m, g.constant(`${layer}_shift`, shift, dims)], layer) };
}

async function weightsOf(model: LayersModel, layer: string): Promise<Map<string, { data: Float32Array; shape: number[] }>> {
  const l = model.getLayer(layer);
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  const values = l.getWeights() as Tensor[];
  for (let i = 0; i < l.weights.length; i++) {
    const key = l.weights[i]!.originalName.split('/').pop()!;
    out.set(key, { data: (await values[i]!.data()) as Float32Array, shape: values[i]!.shape });
  }
  return out;
}

/** OIHW conv weights from tfjs's [kh, kw, in, out]. */
function oihw(kernel: { data: Float32Array; shape: number[] }): Float32Array {
  const [kh, kw, ci, co] = kernel.shape as [number, number, number, number];
  const out = new Float32Array(kernel.data.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
    out[((o * ci + i) * kh + y) * kw + x] = kernel.data[((y * kw + x) * ci + i) * co + o]!;
  }
  return out;
}

async function convertLayer(g: GraphBuilder, model: LayersModel, spec: LayerSpec, inputs: Value[]): Promise<Value> {
  const name = spec.name;
  const cfg = spec.config;
  const one = () => {
    if (inputs.length !== 1) throw new OnnxExportError(`layer '${name}' (${spec.class_name}) has ${inputs.length} inputs, expected 1`);
    return inputs[0]!;
  };
  const need4d = (x: Value) => {
    if (x.rank !== 4) throw new OnnxExportError(`layer '${name}' (${spec.class_name}) needs a 4-D input, got rank ${x.rank}`);
    if (cfg.data_format !== undefined && cfg.data_format !== null && cfg.data_format !== 'channels_last') {
      throw new OnnxExportError(`layer '${name}': data_format '${String(cfg.data_format)}' is not supported (only channels_last)`);
    }
    return g.layout(x, 'nchw');
  };
  switch (spec.class_name) {
    case 'InputLayer':
    case 'Dropout':
      return one();
    case 'Rescaling': {
      const x = one();
      const scale = Number(cfg.scale);
      const offset = Number(cfg.offset ?? 0);
      if (!Number.isFinite(scale) || !Number.isFinite(offset)) throw new OnnxExportError(`layer '${name}': Rescaling with per-channel scale/offset cannot be exported`);
      let y = g.node('Mul', [x.name, g.constant(`${name}_scale`, [scale], [])], `${name}_mul`);
      if (offset !== 0) y = g.node('Add', [y, g.constant(`${name}_offset`, [offset], [])], name);
      return { ...x, name: y };
    }
    case 'Conv2D': {
      const x = need4d(one());
      const kernel = pair(cfg.kernel_size, 'kernel_size', name);
      const strides = pair(cfg.strides ?? 1, 'strides', name);
      const dilation = pair(cfg.dilation_rate ?? 1, 'dilation_rate', name);
      if ((cfg.groups ?? 1) !== 1) throw new OnnxExportError(`layer '${name}': grouped convolution cannot be exported`);
      const w = await weightsOf(model, name);
      const k = w.get('kernel');
      if (!k) throw new OnnxExportError(`layer '${name}': no kernel weights`);
      const filters = k.shape[3]!;
      const { pads, out } = tfPads(String(cfg.padding ?? 'valid'), [x.shape[0]!, x.shape[1]!], kernel, strides, dilation);
      const ins = [x.name, g.constant(`${name}_W`, oihw(k), [filters, k.shape[2]!, kernel[0], kernel[1]])];
      const b = w.get('bias');
      if (cfg.use_bias !== false && b) ins.push(g.constant(`${name}_B`, b.data, [filters]));
      const y: Value = {
        name: g.node('Conv', ins, name, [attrInts('kernel_shape', kernel), attrInts('strides', strides), attrInts('dilations', dilation), attrInts('pads', pads), attrInt('group', 1)]),
        layout: 'nchw',
        rank: 4,
        shape: [out[0], out[1], filters],
      };
      return g.activation(y, cfg.activation, name);
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const x = need4d(one());
      const pool = pair(cfg.pool_size ?? 2, 'pool_size', name);
      const strides = pair(cfg.strides ?? pool, 'strides', name);
      const { pads, out } = tfPads(String(cfg.padding ?? 'valid'), [x.shape[0]!, x.shape[1]!], pool, strides);
      const attrs = [attrInts('kernel_shape', pool), attrInts('strides', strides), attrInts('pads', pads)];
      // TF's 'same' average pool divides by the pixels inside the image: count_include_pad 0 (ONNX's default).
      const op = spec.class_name === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool';
      return { name: g.node(op, [x.name], name, attrs), layout: 'nchw', rank: 4, shape: [out[0], out[1], x.shape[2]!] };
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      const x = need4d(one());
      if (cfg.keepdims === true) throw new OnnxExportError(`layer '${name}': keepdims=true cannot be exported`);
      const p = g.node(spec.class_name === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x.name], `${name}_pool`);
      return { name: g.node('Flatten', [p], name, [attrInt('axis', 1)]), layout: 'plain', rank: 2, shape: [x.shape[2]!] };
    }
    case 'Flatten': {
      const x = g.layout(one(), 'nhwc');
      const size = x.shape.reduce((a, b) => a * b, 1);
      return { name: g.node('Flatten', [x.name], name, [attrInt('axis', 1)]), layout: 'plain', rank: 2, shape: [size] };
    }
    case 'Dense': {
      const x = g.layout(one(), 'nhwc');
      const w = await weightsOf(model, name);
      const k = w.get('kernel')!;
      const units = k.shape[1]!;
      let y = g.node('MatMul', [x.name, g.constant(`${name}_W`, k.data, k.shape)], `${name}_matmul`);
      const b = w.get('bias');
      if (cfg.use_bias !== false && b) y = g.node('Add', [y, g.constant(`${name}_B`, b.data, [units])], name);
      return g.activation({ ...x, name: y, shape: [...x.shape.slice(0, -1), units] }, cfg.activation, name);
    }
    case 'BatchNormalization': {
      const x0 = one();
      const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
      if (axis.length !== 1 || !(axis[0] === -1 || axis[0] === x0.rank - 1)) throw new OnnxExportError(`layer '${name}': BatchNormalization over axis ${JSON.stringify(cfg.axis)} cannot be exported (only the channel axis)`);
      const x = x0.rank === 4 && x0.layout === 'nhwc' ? g.layout(x0, 'nchw') : x0;
      const w = await weightsOf(model, name);
      const mean = w.get('moving_mean')!.data;
      const variance = w.get('moving_variance')!.data;
      const gamma = w.get('gamma')?.data;
      const beta = w.get('beta')?.data;
      const eps = Number(cfg.epsilon ?? 1e-3);
      const scale = new Float32Array(mean.length);
      const shift = new Float32Array(mean.length);
      for (let i = 0; i < mean.length; i++) {
        scale[i] = (gamma ? gamma[i]! : 1) / Math.sqrt(variance[i]! + eps);
        shift[i] = (beta ? beta[i]! : 0) - mean[i]! * scale[i]!;
      }
      return channelAffine(g, x, scale, shift, name);
    }
    case 'Activation':
      return g.activation(one(), cfg.activation, name);
    case 'ReLU': {
      const x = one();
      if ((Number(cfg.negative_slope ?? 0) || 0) !== 0 || (Number(cfg.threshold ?? 0) || 0) !== 0) throw new OnnxExportError(`layer '${name}': ReLU with negative_slope or threshold cannot be exported`);
      if (typeof cfg.max_value === 'number') {
        return { ...x, name: g.node('Clip', [x.name, g.constant(`${name}_min`, [0], []), g.constant(`${name}_max`, [cfg.max_value], [])], name) };
      }
      return { ...x, name: g.node('Relu', [x.name], name) };
    }
    case 'UpSampling2D': {
      const x = need4d(one());
      const [sh, sw] = pair(cfg.size ?? 2, 'size', name);
      if ((cfg.interpolation ?? 'nearest') !== 'nearest') throw new OnnxExportError(`layer '${name}': UpSampling2D interpolation '${String(cfg.interpolation)}' cannot be exported (only nearest)`);
      // tfjs: resizeNearestNeighbor without half-pixel centres = source index floor(i / size).
      const y = g.node('Resize', [x.name, '', g.constant(`${name}_scales`, [1, 1, sh, sw], [4])], name, [
        attrString('mode', 'nearest'),
        attrString('coordinate_transformation_mode', 'asymmetric'),
        attrString('nearest_mode', 'floor'),
      ]);
      return { name: y, layout: 'nchw', rank: 4, shape: [x.shape[0]! * sh, x.shape[1]! * sw, x.shape[2]!] };
    }
    case 'Add': {
      if (inputs.length < 2) throw new OnnxExportError(`layer '${name}': Add needs at least two inputs`);
      const want = inputs.some((v) => v.layout === 'nchw') ? 'nchw' : 'nhwc';
      const xs = inputs.map((v) => g.layout(v, want));
      let acc = xs[0]!.name;
      for (const v of xs.slice(1)) acc = g.node('Add', [acc, v.name], name);
      return { ...xs[0]!, name: acc };
    }
    case 'Concatenate': {
      const rank = inputs[0]!.rank;
      let axis = Number(cfg.axis ?? -1);
      if (axis < 0) axis += rank;
      if (rank === 4 && axis === 3) {
        const xs = inputs.map((v) => g.layout(v, 'nchw'));
        const c = xs.reduce((n, v) => n + v.shape[2]!, 0);
        return { name: g.node('Concat', xs.map((v) => v.name), name, [attrInt('axis', 1)]), layout: 'nchw', rank: 4, shape: [xs[0]!.shape[0]!, xs[0]!.shape[1]!, c] };
      }
      const xs = inputs.map((v) => g.layout(v, 'nhwc'));
      const shape = [...xs[0]!.shape];
      shape[axis - 1] = xs.reduce((n, v) => n + v.shape[axis - 1]!, 0);
      return { ...xs[0]!, name: g.node('Concat', xs.map((v) => v.name), name, [attrInt('axis', axis)]), shape };
    }
    default:
      throw new OnnxExportError(`layer '${name}' of class ${spec.class_name} cannot be exported to ONNX (supported: ${ONNX_LAYERS.join(', ')})`);
  }
}

function valueInfo(name: string, dims: (number | string)[]): import('onnx-proto').onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** The model's layers as functional specs (a Sequential model becomes a chain). */
function layerSpecs(model: LayersModel): { layers: LayerSpec[]; inputs: string[]; outputs: string[] } {
  const topology = model.toJSON(undefined, false) as unknown as { class_name: string; config: { layers: LayerSpec[]; input_layers?: [string, number, number][]; output_layers?: [string, number, number][] } | LayerSpec[] };
  const cfg = topology.config;
  if (Array.isArray(cfg) || topology.class_name === 'Sequential') {
    const list = Array.isArray(cfg) ? cfg : cfg.layers;
    const layers: LayerSpec[] = [];
    const first = model.inputs[0]!;
    layers.push({ name: '__input', class_name: 'InputLayer', config: { batch_input_shape: first.shape }, inbound_nodes: [] });
    let prev = '__input';
    for (const l of list) {
      const name = String(l.config.name ?? l.name);
      if (l.class_name === 'InputLayer') continue;
      layers.push({ name, class_name: l.class_name, config: l.config, inbound_nodes: [[[prev, 0, 0]]] });
      prev = name;
    }
    return { layers, inputs: ['__input'], outputs: [prev] };
  }
  return {
    layers: cfg.layers,
    inputs: (cfg.input_layers ?? []).map((r) => r[0]),
    outputs: (cfg.output_layers ?? []).map((r) => r[0]),
  };
}

/** Encodes `model` as an ONNX ModelProto (opset 13). Throws an OnnxExportError naming the layer it cannot convert. */
export async function exportOnnx(model: LayersModel, opts: { name?: string } = {}): Promise<Uint8Array> {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new OnnxExportError(`the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; only one of each can be exported`);
  }
  const { layers, inputs, outputs } = layerSpecs(model);
  const inShape = model.inputs[0]!.shape.slice(1) as number[];
  if (!inShape.every((n) => Number.isInteger(n) && n > 0)) throw new OnnxExportError(`the input shape ${JSON.stringify(model.inputs[0]!.shape)} is not fixed`);
  const g = new GraphBuilder();
  const values = new Map<string, Value>();
  const inputName = 'input';
  values.set(`${inputs[0]}#0`, { name: inputName, layout: inShape.length === 3 ? 'nhwc' : 'plain', rank: inShape.length + 1, shape: inShape });
  const byName = new Map(layers.map((l) => [l.name, l]));
  // Layers in the topology are in creation order, which is a valid evaluation order for tfjs models;
  // still resolve dependencies explicitly so an unusual order is no problem.
  const done = new Set<string>([inputs[0]!]);
  const visit = async (l: LayerSpec, stack: Set<string>): Promise<void> => {
    if (done.has(l.name)) return;
    if (stack.has(l.name)) throw new OnnxExportError(`layer '${l.name}' is part of a cycle`);
    stack.add(l.name);
    const nodes = l.inbound_nodes ?? [];
    for (let k = 0; k < nodes.length; k++) {
      const ins: Value[] = [];
      for (const [src, nodeIndex] of nodes[k]!) {
        const srcLayer = byName.get(src);
        if (!srcLayer) throw new OnnxExportError(`layer '${l.name}' reads from unknown layer '${src}'`);
        await visit(srcLayer, stack);
        const v = values.get(`${src}#${nodeIndex}`);
        if (!v) throw new OnnxExportError(`layer '${l.name}' reads output ${nodeIndex} of '${src}', which does not exist`);
        ins.push(v);
      }
      values.set(`${l.name}#${k}`, await convertLayer(g, model, l, ins));
    }
    stack.delete(l.name);
    done.add(l.name);
  };
  for (const l of layers) await visit(l, new Set());
  const last = values.get(`${outputs[0]}#0`);
  if (!last) throw new OnnxExportError(`the output layer '${outputs[0]}' was not converted`);
  const out = g.layout(last, 'nhwc');
  const outputName = 'output';
  g.nodes.push({ opType: 'Identity', input: [out.name], output: [outputName], name: outputName });
  return onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'toonvision',
    producerVersion: '1',
    graph: {
      name: opts.name ?? model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(inputName, ['N', ...inShape])],
      output: [valueInfo(outputName, ['N', ...out.shape])],
    },
  }).finish();
}
