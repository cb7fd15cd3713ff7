// The ONNX exporter: for every layer type it supports, ONNX Runtime and TensorFlow.js agree within
// 1e-4 on random inputs; so do both classifier presets, the detector and the article's imported Keras
// models (on the real fixture crops too). A layer it cannot export is one clear error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LayersModel, SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import { initEngine, initInference, openOnnxSession, tf } from '../src/engine/index.ts';
import { readImage } from '../src/image.ts';
import { makeClassifier } from '../src/model/architectures.ts';
import { classifyCrops } from '../src/model/classify.ts';
import { disposeLoaded, loadModelFolder } from '../src/model/folder.ts';
import { importKeras } from '../src/model/keras.ts';
import { exportOnnx, ONNX_LAYERS, OnnxExportError } from '../src/model/onnx-export.ts';
import { makeDetector } from '../src/detect/model.ts';
import { REAL, SEED_MODELS, needFixtures, tempDir } from './helpers.ts';
import { REFERENCE, SEED_MODEL_TASKS } from './keras-helpers.ts';

const TOL = 1e-4;
await initEngine();
const inference = await initInference();
const skip = inference.runtime === 'onnxruntime' ? false : `needs onnxruntime-node (not loaded: ${inference.tried.map((t) => t.reason).join('; ')})`;

/** max |ORT - tfjs| of `model` on `x` (which is not disposed). */
async function parity(model: LayersModel, x: Tensor): Promise<number> {
  const session = await openOnnxSession(await exportOnnx(model));
  try {
    const got = await session.run((await x.data()) as Float32Array, x.shape);
    const ref = model.predict(x) as Tensor;
    const want = (await ref.data()) as Float32Array;
    assert.deepEqual(got.dims, ref.shape, 'output shapes agree');
    ref.dispose();
    let d = 0;
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(want[i]! - got.data[i]!));
    return d;
  } finally {
    await session.release();
  }
}

/** A one-layer (or few-layer) model on a random [2, h, w, c] input; weights randomised (BN statistics too). */
async function layerParity(inputShape: number[], build: (x: SymbolicTensor) => SymbolicTensor, range: [number, number] = [-2, 2]): Promise<number> {
  const input = tf.input({ shape: inputShape });
  const model = tf.model({ inputs: input, outputs: build(input) });
  for (const l of model.layers) {
    const ws = l.getWeights();
    if (ws.length === 0) continue;
    // Positive values for variances, anything for the rest.
    l.setWeights(ws.map((w, i) => (l.weights[i]!.originalName.endsWith('variance') ? tf.randomUniform(w.shape, 0.2, 2) : tf.randomNormal(w.shape, 0, 0.5))));
  }
  const x = tf.randomUniform([2, ...inputShape], range[0], range[1]);
  try {
    return await parity(model, x);
  } finally {
    x.dispose();
    model.dispose();
  }
}

const L = () => tf.layers;
const apply = (layer: { apply: (x: SymbolicTensor | SymbolicTensor[]) => unknown }, x: SymbolicTensor | SymbolicTensor[]) => layer.apply(x) as SymbolicTensor;

/** Every exportable layer class, each with the configurations that matter for conversion. */
const CASES: Record<string, [string, number[], (x: SymbolicTensor) => SymbolicTensor][]> = {
  InputLayer: [['identity', [4, 5, 3], (x) => x]],
  Rescaling: [['scale and offset', [4, 5, 3], (x) => apply(L().rescaling({ scale: 1 / 255, offset: -0.5 }), x)]],
  Conv2D: [
    ['valid 3x3 relu', [9, 7, 3], (x) => apply(L().conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }), x)],
    ['same stride 2 (odd size, TF pads the end)', [9, 7, 3], (x) => apply(L().conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same' }), x)],
    ['same 1x1 no bias', [6, 6, 3], (x) => apply(L().conv2d({ filters: 2, kernelSize: 1, padding: 'same', useBias: false }), x)],
    ['dilated 2x3', [10, 9, 2], (x) => apply(L().conv2d({ filters: 3, kernelSize: [2, 3], dilationRate: 2 }), x)],
  ],
  MaxPooling2D: [
    ['valid 2x2 (odd size floors)', [9, 7, 3], (x) => apply(L().maxPooling2d({ poolSize: 2 }), x)],
    ['same 3x3 stride 2', [9, 7, 3], (x) => apply(L().maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x)],
  ],
  AveragePooling2D: [
    ['valid 2x2', [8, 6, 3], (x) => apply(L().averagePooling2d({ poolSize: 2 }), x)],
    ['same 3x3 (edges divide by the pixels inside)', [7, 5, 3], (x) => apply(L().averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }), x)],
  ],
  GlobalAveragePooling2D: [['to [N, C]', [5, 4, 6], (x) => apply(L().globalAveragePooling2d({}), x)]],
  GlobalMaxPooling2D: [['to [N, C]', [5, 4, 6], (x) => apply(L().globalMaxPooling2d({}), x)]],
  Dropout: [['identity at inference', [4, 4, 3], (x) => apply(L().dropout({ rate: 0.9 }), x)]],
  Flatten: [['NHWC order after a conv', [5, 4, 3], (x) => apply(L().flatten(), apply(L().conv2d({ filters: 2, kernelSize: 2 }), x))]],
  Dense: [
    ['sigmoid after flatten', [4, 3, 3], (x) => apply(L().dense({ units: 1, activation: 'sigmoid' }), apply(L().flatten(), x))],
    ['softmax', [4, 3, 3], (x) => apply(L().dense({ units: 7, activation: 'softmax' }), apply(L().flatten(), x))],
    ['on a 4-D input (last axis)', [3, 3, 4], (x) => apply(L().dense({ units: 5 }), x)],
  ],
  BatchNormalization: [
    ['after a conv', [6, 5, 3], (x) => apply(L().batchNormalization({ epsilon: 1e-3 }), apply(L().conv2d({ filters: 4, kernelSize: 3 }), x))],
    ['on a vector, no scale', [6, 5, 3], (x) => apply(L().batchNormalization({ scale: false }), apply(L().flatten(), x))],
  ],
  Activation: (['relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'hardSigmoid', 'swish', 'softmax', 'linear'] as const).map(
    (a) => [a, [4, 3, 5], (x: SymbolicTensor) => apply(L().activation({ activation: a }), x)] as [string, number[], (x: SymbolicTensor) => SymbolicTensor],
  ),
  ReLU: [
    ['plain', [4, 3, 2], (x) => apply(L().reLU({}), x)],
    ['max value 1', [4, 3, 2], (x) => apply(L().reLU({ maxValue: 1 }), x)],
  ],
  UpSampling2D: [['nearest 2x2', [3, 4, 2], (x) => apply(L().upSampling2d({ size: [2, 2] }), apply(L().conv2d({ filters: 2, kernelSize: 1 }), x))]],
  Add: [['a conv branch and the input', [5, 5, 3], (x) => apply(L().add(), [apply(L().conv2d({ filters: 3, kernelSize: 3, padding: 'same' }), x), x])]],
  Concatenate: [
    ['channels of two conv branches', [5, 5, 3], (x) => apply(L().concatenate({ axis: -1 }), [apply(L().conv2d({ filters: 2, kernelSize: 1 }), x), apply(L().conv2d({ filters: 3, kernelSize: 3, padding: 'same' }), x)])],
    ['vectors', [3, 3, 2], (x) => apply(L().concatenate({}), [apply(L().dense({ units: 2 }), apply(L().flatten(), x)), apply(L().flatten(), x)])],
  ],
};

describe('ONNX export parity, per layer type (ONNX Runtime vs TensorFlow.js within 1e-4 on random inputs)', { skip }, () => {
  test('every exportable layer class has a case here', () => {
    assert.deepEqual(Object.keys(CASES).sort(), [...ONNX_LAYERS].sort());
  });
  for (const [cls, cases] of Object.entries(CASES)) {
    for (const [what, shape, build] of cases) {
      test(`${cls}: ${what}`, async () => {
        const d = await layerParity(shape, build);
        assert.ok(d < TOL, `max difference ${d}`);
      });
    }
  }
});

/** ORT and tfjs agree within 1e-4 on a random 0-255 batch of `n`; the model is disposed. */
async function assertModelParity(model: LayersModel, n: number): Promise<void> {
  const x = tf.randomUniform([n, ...model.inputs[0]!.shape.slice(1)] as number[], 0, 255);
  try {
    const d = await parity(model, x);
    assert.ok(d < TOL, `max difference ${d}`);
  } finally {
    x.dispose();
    model.dispose();
  }
}

describe('ONNX export of whole models', { skip }, () => {
  for (const preset of ['seed', 'fast'] as const) {
    for (const task of ['binary', 'name'] as const) {
      test(`the ${preset} preset (${task}) agrees within 1e-4 on random 0-255 crops`, () => assertModelParity(makeClassifier({ task, preset, dropout: 0.5 }), 2));
    }
  }

  test('the detector agrees within 1e-4 on a random frame', () => assertModelParity(makeDetector(undefined, 7), 1));

  test('a layer the exporter cannot convert is one error naming the layer and its class', async () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const y = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, name: 'dw_odd' }), input);
    const model = tf.model({ inputs: input, outputs: y });
    await assert.rejects(exportOnnx(model), (err: Error) => err instanceof OnnxExportError && /layer 'dw_odd' of class DepthwiseConv2D cannot be exported/.test(err.message));
    model.dispose();
  });

  test('an activation the exporter cannot convert is one error naming it', async () => {
    const input = tf.input({ shape: [4] });
    const model = tf.model({ inputs: input, outputs: apply(tf.layers.dense({ units: 2, activation: 'gelu' as 'relu', name: 'head' }), input) });
    await assert.rejects(exportOnnx(model), /layer 'head': activation 'gelu' cannot be exported/);
    model.dispose();
  });
});

const fixtureSkip = skip || needFixtures() || (existsSync(SEED_MODELS) ? false : `needs the seed models at ${SEED_MODELS} (not found)`);

describe('the article\'s imported Keras models on ONNX Runtime', { skip: fixtureSkip }, () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    tmp = await tempDir('toonvision-onnx-keras-');
  });
  after(async () => {
    await tmp?.cleanup();
  });

  for (const [name, task] of Object.entries(SEED_MODEL_TASKS)) {
    test(`${name}: import writes model.onnx; ORT and tfjs agree within 1e-4 on the fixture crops and on random crops`, async () => {
      const out = path.join(tmp.dir, name);
      await importKeras(path.join(SEED_MODELS, `${name}.keras`), task, out);
      assert.ok(existsSync(path.join(out, 'model.onnx')), 'model.onnx written by import-keras');
      const ort = await loadModelFolder(out, task);
      assert.equal(ort.runtime?.name, 'onnxruntime');
      assert.equal(ort.runtime?.source, 'model.onnx');
      const plain = { ...ort, session: undefined };
      try {
        let max = 0;
        for (const ref of REFERENCE) {
          if (task !== 'binary' && !ref[name as 'suit_tuned']) continue;
          const img = await readImage(path.join(REAL, ref.image));
          const [xmin, ymin, xmax, ymax] = ref.box;
          const box = { xmin, ymin, xmax, ymax };
          const [a] = await classifyCrops(ort, img, [box]);
          const [b] = await classifyCrops(plain, img, [box]);
          a!.output.forEach((v, i) => (max = Math.max(max, Math.abs(v - b!.output[i]!))));
          assert.equal(a!.label, b!.label);
        }
        const x = tf.randomUniform([2, 600, 200, 3], 0, 255);
        const d = await parity(ort.model, x);
        x.dispose();
        process.stderr.write(`# ${name}: fixture crops max |ORT - tfjs| ${max.toExponential(2)}, random ${d.toExponential(2)}\n`);
        assert.ok(max < TOL, `fixture crops: max difference ${max}`);
        assert.ok(d < TOL, `random crops: max difference ${d}`);
      } finally {
        disposeLoaded(ort);
      }
    });
  }
});
