// Keras 2 HDF5 models (`.h5`, or the article's `.keras` files that are HDF5) to tfjs LayersModels.
// Reads the `model_config` JSON attribute and `model_weights/<layer>/<weight_name>` datasets with
// h5wasm, rebuilds the network from tfjs layers (Sequential and Functional configs, nested models
// inlined), and copies the weights. Random* augmentation layers do nothing at inference: skipped.
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import { engineInfo, initEngine, tf } from '../engine/index.ts';
import type { ClassifierTask } from '../taxonomy.ts';
import { CLASSIFIER_TASKS, TASK_CLASSES } from '../taxonomy.ts';
import type { ModelMetadata } from './folder.ts';
import { STANDARD_PREPROCESSING, saveModelFolder } from './folder.ts';
import { ToonVisionError } from '../errors.ts';

export class KerasImportError extends ToonVisionError {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`, { code: 'keras-import' });
  }
}

/** Keras layers that are the identity at inference (data augmentation). */
export const INFERENCE_IDENTITY_LAYERS = [
  'RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomContrast', 'RandomTranslation',
  'RandomHeight', 'RandomWidth', 'RandomBrightness',
] as const;

/** Keras layer classes this importer maps to tfjs layers. */
export const SUPPORTED_LAYERS = [
  'InputLayer', 'Rescaling', 'Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D',
  'GlobalMaxPooling2D', 'Dropout', 'Flatten', 'Dense', 'BatchNormalization', 'Activation', 'ReLU',
  ...INFERENCE_IDENTITY_LAYERS, 'Sequential', 'Functional', 'Model',
] as const;

const NESTED_MODELS = new Set(['Sequential', 'Functional', 'Model']);

/** Keras activation names to tfjs ones. */
const ACTIVATIONS: Record<string, string> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', sigmoid: 'sigmoid', softmax: 'softmax', tanh: 'tanh',
  elu: 'elu', selu: 'selu', softplus: 'softplus', softsign: 'softsign', hard_sigmoid: 'hardSigmoid',
  swish: 'swish', silu: 'swish', gelu: 'gelu', mish: 'mish',
};

interface KerasLayerSpec {
  class_name: string;
  config: Record<string, unknown>;
  name?: string;
  inbound_nodes?: unknown[];
}

export interface KerasLayerReport {
  name: string;
  className: string;
  /** 'mapped' to a tfjs layer, 'skipped' (identity at inference), or 'inlined' (a nested model). */
  action: 'mapped' | 'skipped' | 'inlined' | 'input';
}

export interface KerasModel {
  model: LayersModel;
  /** [height, width, channels] */
  inputShape: [number, number, number];
  /** The Keras model's own name. */
  name: string;
  kerasVersion?: string;
  kerasBackend?: string;
  layers: KerasLayerReport[];
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Checks the file's signature; throws a KerasImportError saying what it is when it is not HDF5. */
async function checkHdf5(file: string): Promise<void> {
  if (!existsSync(file)) throw new KerasImportError(file, 'file does not exist');
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    if (bytesRead >= 4 && head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) {
      throw new KerasImportError(
        file,
        'is a zip archive (Keras 3 .keras format), not a Keras 2 HDF5 file; re-save the model with Keras 2 as .h5',
      );
    }
    // The superblock sits at 0, 512, 1024, 2048... (after an optional user block).
    for (let offset = 0; offset <= 1 << 20; offset = offset === 0 ? 512 : offset * 2) {
      const { bytesRead: n } = await fh.read(head, 0, 8, offset);
      if (n < 8) break;
      if (head.equals(HDF5_SIGNATURE)) return;
    }
    throw new KerasImportError(file, 'is not an HDF5 file (no HDF5 signature)');
  } finally {
    await fh.close();
  }
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return undefined;
}

function asStringList(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map((v) => asString(v) ?? String(v));
  return []; // an empty attribute reads as an empty typed array
}

/** A Keras int-or-tuple argument as a list of `n` numbers. */
function tuple(file: string, layer: string, key: string, value: unknown, n: number): number[] {
  if (typeof value === 'number') return Array(n).fill(value);
  if (Array.isArray(value) && value.length === n && value.every((v) => typeof v === 'number')) return value as number[];
  throw new KerasImportError(file, `layer '${layer}': ${key} ${JSON.stringify(value)} is not ${n} numbers`);
}

function activation(file: string, layer: string, value: unknown): string {
  if (value === undefined || value === null) return 'linear';
  const name = typeof value === 'string' ? value : undefined;
  const mapped = name ? ACTIVATIONS[name] : undefined;
  if (!mapped) throw new KerasImportError(file, `layer '${layer}': unsupported activation ${JSON.stringify(value)}`);
  return mapped;
}

function padding(file: string, layer: string, value: unknown): 'valid' | 'same' {
  if (value === 'valid' || value === 'same') return value;
  throw new KerasImportError(file, `layer '${layer}': unsupported padding ${JSON.stringify(value)}`);
}

function checkChannelsLast(file: string, layer: string, cfg: Record<string, unknown>): void {
  const df = cfg.data_format;
  if (df !== undefined && df !== null && df !== 'channels_last') {
    throw new KerasImportError(file, `layer '${layer}': data_format '${String(df)}' is not supported (only channels_last)`);
  }
}

/** A tfjs layer for one Keras layer; undefined for the identity at inference. */
function makeLayer(file: string, spec: KerasLayerSpec): import('@tensorflow/tfjs').layers.Layer | undefined {
  const cfg = spec.config;
  const name = String(cfg.name ?? spec.name ?? spec.class_name);
  switch (spec.class_name) {
    case 'Rescaling': {
      const scale = cfg.scale;
      const offset = cfg.offset ?? 0;
      if (typeof scale !== 'number' || typeof offset !== 'number') {
        throw new KerasImportError(file, `layer '${name}': Rescaling with per-channel scale/offset is not supported`);
      }
      return tf.layers.rescaling({ name, scale, offset });
    }
    case 'Conv2D': {
      checkChannelsLast(file, name, cfg);
      if (cfg.groups !== undefined && cfg.groups !== 1) throw new KerasImportError(file, `layer '${name}': grouped convolution (groups=${String(cfg.groups)}) is not supported`);
      return tf.layers.conv2d({
        name,
        filters: Number(cfg.filters),
        kernelSize: tuple(file, name, 'kernel_size', cfg.kernel_size, 2),
        strides: tuple(file, name, 'strides', cfg.strides ?? 1, 2),
        padding: padding(file, name, cfg.padding ?? 'valid'),
        dilationRate: tuple(file, name, 'dilation_rate', cfg.dilation_rate ?? 1, 2) as [number, number],
        activation: activation(file, name, cfg.activation) as 'linear',
        useBias: cfg.use_bias !== false,
      });
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      checkChannelsLast(file, name, cfg);
      const poolSize = tuple(file, name, 'pool_size', cfg.pool_size ?? 2, 2) as [number, number];
      const args = {
        name,
        poolSize,
        strides: tuple(file, name, 'strides', cfg.strides ?? poolSize, 2) as [number, number],
        padding: padding(file, name, cfg.padding ?? 'valid'),
      };
      return spec.class_name === 'MaxPooling2D' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      checkChannelsLast(file, name, cfg);
      if (cfg.keepdims === true) throw new KerasImportError(file, `layer '${name}': keepdims=true is not supported`);
      return spec.class_name === 'GlobalAveragePooling2D'
        ? tf.layers.globalAveragePooling2d({ name })
        : tf.layers.globalMaxPooling2d({ name });
    case 'Dropout':
      return tf.layers.dropout({ name, rate: Number(cfg.rate ?? 0) });
    case 'Flatten':
      checkChannelsLast(file, name, cfg);
      return tf.layers.flatten({ name });
    case 'Dense':
      return tf.layers.dense({
        name,
        units: Number(cfg.units),
        activation: activation(file, name, cfg.activation) as 'linear',
        useBias: cfg.use_bias !== false,
      });
    case 'Activation':
      return tf.layers.activation({ name, activation: activation(file, name, cfg.activation) as 'linear' });
    case 'ReLU': {
      if ((cfg.negative_slope ?? 0) !== 0 || (cfg.threshold ?? 0) !== 0) {
        throw new KerasImportError(file, `layer '${name}': ReLU with negative_slope or threshold is not supported`);
      }
      const maxValue = typeof cfg.max_value === 'number' ? cfg.max_value : undefined;
      return tf.layers.reLU({ name, ...(maxValue !== undefined ? { maxValue } : {}) });
    }
    case 'BatchNormalization': {
      const axisRaw = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
      if (axisRaw.length !== 1 || !(axisRaw[0] === -1 || axisRaw[0] === 3)) {
        throw new KerasImportError(file, `layer '${name}': BatchNormalization over axis ${JSON.stringify(cfg.axis)} is not supported (only the channel axis)`);
      }
      return tf.layers.batchNormalization({
        name,
        axis: -1,
        momentum: Number(cfg.momentum ?? 0.99),
        epsilon: Number(cfg.epsilon ?? 1e-3),
        center: cfg.center !== false,
        scale: cfg.scale !== false,
      });
    }
    default:
      if ((INFERENCE_IDENTITY_LAYERS as readonly string[]).includes(spec.class_name)) return undefined;
      throw new KerasImportError(
        file,
        `unsupported Keras layer '${name}' of class ${spec.class_name} (supported: ${SUPPORTED_LAYERS.filter((l) => !NESTED_MODELS.has(l)).join(', ')})`,
      );
  }
}

function inputShapeOf(file: string, cfg: Record<string, unknown>, layer: string): [number, number, number] {
  const raw = (cfg.batch_input_shape ?? cfg.batch_shape) as unknown;
  if (!Array.isArray(raw) || raw.length !== 4) {
    throw new KerasImportError(file, `layer '${layer}': input shape ${JSON.stringify(raw)} is not [batch, height, width, channels]`);
  }
  const [, h, w, c] = raw as (number | null)[];
  if (!Number.isInteger(h) || !Number.isInteger(w) || c !== 3) {
    throw new KerasImportError(file, `layer '${layer}': input shape ${JSON.stringify(raw)} must be a fixed [height, width, 3] image`);
  }
  return [h as number, w as number, 3];
}

interface BuildState {
  file: string;
  input?: SymbolicTensor;
  inputShape?: [number, number, number];
  report: KerasLayerReport[];
}

function makeInput(state: BuildState, shape: [number, number, number], name: string): SymbolicTensor {
  if (state.input) throw new KerasImportError(state.file, `layer '${name}': models with several inputs are not supported`);
  state.inputShape = shape;
  state.input = tf.input({ shape, name, dtype: 'float32' });
  return state.input;
}

function layerName(spec: KerasLayerSpec): string {
  return String(spec.config?.name ?? spec.name ?? spec.class_name);
}

/** Applies one Keras layer (or a nested model) to `x`. */
function applyLayer(state: BuildState, spec: KerasLayerSpec, x: SymbolicTensor | undefined): SymbolicTensor {
  const name = layerName(spec);
  if (NESTED_MODELS.has(spec.class_name)) {
    state.report.push({ name, className: spec.class_name, action: 'inlined' });
    return applyModelConfig(state, spec, x);
  }
  if (x === undefined) {
    // A Sequential model without an InputLayer: the first layer carries batch_input_shape.
    if (spec.config.batch_input_shape === undefined) {
      throw new KerasImportError(state.file, `layer '${name}' has no input (no InputLayer and no batch_input_shape)`);
    }
    x = makeInput(state, inputShapeOf(state.file, spec.config, name), `${name}_input`);
  }
  const layer = makeLayer(state.file, spec);
  if (!layer) {
    state.report.push({ name, className: spec.class_name, action: 'skipped' });
    return x;
  }
  state.report.push({ name, className: spec.class_name, action: 'mapped' });
  return layer.apply(x) as SymbolicTensor;
}

/** A Sequential or Functional config applied to `x` (undefined at the top: the model's InputLayer makes it). */
function applyModelConfig(state: BuildState, spec: KerasLayerSpec, x: SymbolicTensor | undefined): SymbolicTensor {
  const layers = spec.config.layers as KerasLayerSpec[] | undefined;
  const modelName = layerName(spec);
  if (!Array.isArray(layers)) throw new KerasImportError(state.file, `model '${modelName}' config has no layers`);
  if (spec.class_name === 'Sequential') {
    let cur = x;
    for (const l of layers) {
      if (l.class_name === 'InputLayer') {
        if (cur === undefined) cur = makeInput(state, inputShapeOf(state.file, l.config, layerName(l)), layerName(l));
        state.report.push({ name: layerName(l), className: 'InputLayer', action: 'input' });
        continue;
      }
      cur = applyLayer(state, l, cur);
    }
    if (!cur) throw new KerasImportError(state.file, `model '${modelName}' has no layers`);
    return cur;
  }
  // Functional: follow inbound_nodes; only single-input, single-use layers (a chain or a tree of them).
  const outs = new Map<string, SymbolicTensor>();
  const inputLayers = spec.config.input_layers as unknown[];
  const outputLayers = spec.config.output_layers as unknown[];
  if (!Array.isArray(inputLayers) || inputLayers.length !== 1 || !Array.isArray(outputLayers) || outputLayers.length !== 1) {
    throw new KerasImportError(state.file, `model '${modelName}': only models with one input and one output are supported`);
  }
  for (const l of layers) {
    const name = layerName(l);
    if (l.class_name === 'InputLayer') {
      outs.set(name, x ?? makeInput(state, inputShapeOf(state.file, l.config, name), name));
      state.report.push({ name, className: 'InputLayer', action: 'input' });
      continue;
    }
    const nodes = l.inbound_nodes ?? [];
    if (nodes.length !== 1) {
      throw new KerasImportError(state.file, `layer '${name}' is called ${nodes.length} times; shared layers are not supported`);
    }
    const node = nodes[0];
    if (!Array.isArray(node) || node.length !== 1 || !Array.isArray(node[0])) {
      throw new KerasImportError(state.file, `layer '${name}' (${l.class_name}) does not have exactly one input; only single-input layers are supported`);
    }
    const src = String((node[0] as unknown[])[0]);
    const input = outs.get(src);
    if (!input) throw new KerasImportError(state.file, `layer '${name}' reads '${src}', which is not defined before it`);
    outs.set(name, applyLayer(state, l, input));
  }
  const outName = String((outputLayers[0] as unknown[])[0]);
  const out = outs.get(outName);
  if (!out) throw new KerasImportError(state.file, `model '${modelName}': output layer '${outName}' not found`);
  return out;
}

type H5Group = import('h5wasm').Group;
type H5Dataset = import('h5wasm').Dataset;

/** All weights in `model_weights`, keyed `<layer>/<weight>` (the last two parts of the weight name, no `:0`). */
function readWeights(file: string, h5: import('h5wasm').File): Map<string, { shape: number[]; data: Float32Array }> {
  const root = h5.get('model_weights') as H5Group | null;
  if (!root || root.type !== 'Group') throw new KerasImportError(file, 'has no model_weights group (not a full Keras model file)');
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const layerNames = asStringList(root.attrs.layer_names?.value);
  for (const group of layerNames.length ? layerNames : root.keys()) {
    const g = root.get(group) as H5Group | null;
    if (!g || g.type !== 'Group') continue;
    for (const wn of asStringList(g.attrs.weight_names?.value)) {
      const ds = g.get(wn) as H5Dataset | null;
      if (!ds || ds.type !== 'Dataset') throw new KerasImportError(file, `weight '${wn}' of layer '${group}' is listed but missing`);
      const value = ds.value;
      let data: Float32Array;
      if (value instanceof Float32Array) data = value;
      else if (value instanceof Float64Array) data = Float32Array.from(value);
      else throw new KerasImportError(file, `weight '${wn}' of layer '${group}' has unsupported type ${JSON.stringify(ds.dtype)}`);
      const key = wn.replace(/:\d+$/, '').split('/').slice(-2).join('/');
      if (out.has(key)) throw new KerasImportError(file, `two weights are both named '${key}'`);
      out.set(key, { shape: ds.shape ?? [], data });
    }
  }
  return out;
}

function copyWeights(file: string, model: LayersModel, weights: Map<string, { shape: number[]; data: Float32Array }>): void {
  const used = new Set<string>();
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const values = layer.weights.map((w) => {
      const suffix = w.originalName.split('/').pop()!;
      const key = `${layer.name}/${suffix}`;
      const found = weights.get(key);
      if (!found) throw new KerasImportError(file, `layer '${layer.name}': weight '${suffix}' not found in model_weights`);
      if (found.shape.length !== w.shape.length || found.shape.some((d, i) => d !== w.shape[i])) {
        throw new KerasImportError(file, `layer '${layer.name}': weight '${suffix}' has shape [${found.shape}] but the layer needs [${w.shape}]`);
      }
      used.add(key);
      return tf.tensor(found.data, found.shape, 'float32');
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
  const unused = [...weights.keys()].filter((k) => !used.has(k));
  if (unused.length) throw new KerasImportError(file, `weights ${unused.join(', ')} belong to no imported layer`);
}

/** Reads a Keras 2 HDF5 model file into a tfjs LayersModel with its weights. */
export async function readKerasModel(file: string): Promise<KerasModel> {
  await initEngine();
  await checkHdf5(file);
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  let h5: import('h5wasm').File;
  try {
    h5 = new h5wasm.File(path.resolve(file), 'r');
  } catch (err) {
    throw new KerasImportError(file, `cannot open as HDF5 (${(err as Error).message.split('\n')[0]})`);
  }
  try {
    const attrs = h5.attrs;
    const configText = asString(attrs.model_config?.value);
    if (!configText) {
      throw new KerasImportError(file, 'has no model_config attribute (a weights-only file? save the whole model with model.save)');
    }
    let config: KerasLayerSpec;
    try {
      config = JSON.parse(configText) as KerasLayerSpec;
    } catch (err) {
      throw new KerasImportError(file, `model_config is not valid JSON (${(err as Error).message})`);
    }
    if (!config || !NESTED_MODELS.has(config.class_name)) {
      throw new KerasImportError(file, `model_config is a '${config?.class_name}', not a Sequential or Functional model`);
    }
    const state: BuildState = { file, report: [] };
    const output = applyModelConfig(state, config, undefined);
    if (!state.input || !state.inputShape) throw new KerasImportError(file, 'model has no input layer');
    const name = layerName(config);
    const model = tf.model({ inputs: state.input, outputs: output, name: name.replace(/[^A-Za-z0-9_.-]/g, '_') });
    try {
      copyWeights(file, model, readWeights(file, h5));
    } catch (err) {
      model.dispose();
      throw err;
    }
    return {
      model,
      inputShape: state.inputShape,
      name,
      kerasVersion: asString(attrs.keras_version?.value),
      kerasBackend: asString(attrs.backend?.value),
      layers: state.report,
    };
  } finally {
    h5.close();
  }
}

export interface KerasImportResult {
  out: string;
  task: ClassifierTask;
  classes: string[];
  inputShape: [number, number, number];
  params: number;
  layers: KerasLayerReport[];
  metadata: ModelMetadata;
}

/** Imports a Keras 2 HDF5 file as a model folder for a classifier task. */
export async function importKeras(file: string, task: ClassifierTask, outDir: string): Promise<KerasImportResult> {
  if (!CLASSIFIER_TASKS.includes(task)) throw new KerasImportError(file, `task '${task}' is not a classifier task (${CLASSIFIER_TASKS.join(', ')})`);
  const km = await readKerasModel(file);
  try {
    const classes = [...TASK_CLASSES[task]];
    const outShape = km.model.outputs[0]!.shape;
    const units = outShape[outShape.length - 1];
    const expected = task === 'binary' ? 1 : classes.length;
    if (outShape.length !== 2 || units !== expected) {
      throw new KerasImportError(
        file,
        `model output shape ${JSON.stringify(outShape)} does not fit task '${task}' (needs ${expected} output${expected === 1 ? '' : 's'}${task === 'binary' ? ', sigmoid P(toon)' : ` for ${classes.join(', ')}`})`,
      );
    }
    const metadata: ModelMetadata = {
      task,
      classes,
      inputShape: km.inputShape,
      preprocessing: STANDARD_PREPROCESSING,
      backend: engineInfo()?.backend ?? tf.getBackend(),
      createdAt: new Date().toISOString(),
      metrics: {},
      preset: 'keras-import',
      source: {
        file: path.resolve(file),
        kerasModel: km.name,
        ...(km.kerasVersion ? { kerasVersion: km.kerasVersion } : {}),
        ...(km.kerasBackend ? { kerasBackend: km.kerasBackend } : {}),
        skippedLayers: km.layers.filter((l) => l.action === 'skipped').map((l) => `${l.name} (${l.className})`),
      },
    };
    await saveModelFolder(outDir, km.model, metadata);
    return { out: outDir, task, classes, inputShape: km.inputShape, params: km.model.countParams(), layers: km.layers, metadata };
  } finally {
    km.model.dispose();
  }
}
