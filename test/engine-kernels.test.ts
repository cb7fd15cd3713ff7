// Every kernel we register for the WASM backend, against the CPU backend on random shapes, and a real
// model.fit on WASM. Both backends live in one tfjs: compute on 'cpu', then on 'wasm', compare.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import type { NamedTensorMap, Tensor } from '@tensorflow/tfjs';
import { initEngine, tf } from '../src/engine/index.ts';
import { registeredWasmKernels } from '../src/engine/wasm-kernels.ts';

let skip: string | false = false;
before(async () => {
  try {
    await initEngine({ backend: 'wasm' });
  } catch (err) {
    skip = `needs the WASM backend (${err instanceof Error ? err.message : String(err)})`;
  }
});
after(async () => {
  if (!skip) await tf.setBackend('wasm');
});

const rng = seedrandom('toonvision-kernels');
function rand(shape: number[]): { shape: number[]; values: Float32Array } {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng() * 2 - 1;
  return { shape, values };
}
function randInt(lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

type Data = { shape: number[]; values: Float32Array };
/** Runs `fn` on a backend with fresh tensors made from `inputs`; returns the values and shape. */
async function on(backend: string, inputs: Data[], fn: (...t: Tensor[]) => Tensor): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  try {
    const ts = inputs.map((d) => tf.tensor(d.values, d.shape));
    const out = fn(...ts);
    const values = (await out.data()) as Float32Array;
    const shape = out.shape;
    tf.dispose([...ts, out]);
    return { values, shape };
  } finally {
    await tf.setBackend('wasm');
  }
}

/** Max |a-b| over max |b| (b: the CPU backend's result). */
function relError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

async function compare(label: string, inputs: Data[], fn: (...t: Tensor[]) => Tensor): Promise<void> {
  const cpu = await on('cpu', inputs, fn);
  const wasm = await on('wasm', inputs, fn);
  assert.deepEqual(wasm.shape, cpu.shape, `${label}: shape`);
  const err = relError(wasm.values, cpu.values);
  assert.ok(err <= 1e-4, `${label}: relative error ${err.toExponential(2)} > 1e-4`);
}

const kernel = (name: string, attrs: object) => (...t: Tensor[]) => {
  const keys = name === 'Conv2DBackpropFilter' || name === 'DepthwiseConv2dNativeBackpropFilter' ? ['x', 'dy'] : name === 'MaxPoolGrad' ? ['dy', 'input', 'output'] : ['dy', 'filter'];
  const inputs = Object.fromEntries(keys.map((k, i) => [k, t[i]!])) as unknown as NamedTensorMap;
  return tf.engine().runKernel(name, inputs, attrs as never) as Tensor;
};

interface ConvCase {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  pad: 'same' | 'valid';
}
function convCases(): ConvCase[] {
  const cases: ConvCase[] = [
    { n: 1, h: 7, w: 5, ci: 1, co: 1, k: 3, s: 1, pad: 'valid' },
    { n: 1, h: 9, w: 11, ci: 3, co: 16, k: 3, s: 1, pad: 'same' },
    { n: 2, h: 8, w: 8, ci: 4, co: 8, k: 3, s: 2, pad: 'same' },
    { n: 3, h: 9, w: 7, ci: 5, co: 3, k: 3, s: 2, pad: 'valid' },
    { n: 2, h: 10, w: 9, ci: 8, co: 4, k: 2, s: 2, pad: 'same' },
    { n: 1, h: 6, w: 6, ci: 2, co: 2, k: 1, s: 1, pad: 'valid' },
    { n: 2, h: 12, w: 10, ci: 3, co: 5, k: 5, s: 1, pad: 'same' },
    { n: 2, h: 11, w: 13, ci: 6, co: 7, k: 4, s: 3, pad: 'valid' },
  ];
  for (let i = 0; i < 6; i++) {
    const k = randInt(1, 5);
    cases.push({ n: randInt(1, 3), h: randInt(k, 14), w: randInt(k, 14), ci: randInt(1, 9), co: randInt(1, 9), k, s: randInt(1, 2), pad: rng() < 0.5 ? 'same' : 'valid' });
  }
  return cases;
}

describe('WASM training kernels match the CPU backend', () => {
  test('the kernels are registered for wasm', (t) => {
    if (skip) return t.skip(skip);
    for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad', 'Sum', 'GatherV2', 'Slice', 'Identity', 'Cast']) {
      assert.ok(tf.getKernel(name, 'wasm'), `${name} registered for wasm`);
      assert.ok(registeredWasmKernels().includes(name), `${name} is ours`);
    }
  });

  test('Conv2DBackpropFilter and Conv2DBackpropInput (strides 1-3, same/valid, odd sizes, batch 1)', async (t) => {
    if (skip) return t.skip(skip);
    for (const c of convCases()) {
      const info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.ci], [c.k, c.k, c.ci, c.co], c.s, 1, c.pad);
      const x = rand([c.n, c.h, c.w, c.ci]);
      const dy = rand(info.outShape);
      const filter = rand([c.k, c.k, c.ci, c.co]);
      const label = JSON.stringify(c);
      await compare(`filter ${label}`, [x, dy], kernel('Conv2DBackpropFilter', { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k, c.k, c.ci, c.co] }));
      await compare(`input ${label}`, [dy, filter], kernel('Conv2DBackpropInput', { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: [c.n, c.h, c.w, c.ci] }));
    }
  });

  test('conv2d gradients end to end through tf.grads', async (t) => {
    if (skip) return t.skip(skip);
    const x = rand([2, 9, 7, 3]);
    const w = rand([3, 3, 3, 4]);
    for (const [s, pad] of [[1, 'same'], [2, 'valid'], [2, 'same']] as const) {
      const f = (a: Tensor, b: Tensor) => tf.sum(tf.square(tf.conv2d(a as never, b as never, s, pad)));
      await compare(`dx s${s} ${pad}`, [x, w], (a, b) => tf.grads(f)([a!, b!])[0]!);
      await compare(`dw s${s} ${pad}`, [x, w], (a, b) => tf.grads(f)([a!, b!])[1]!);
    }
  });

  test('DepthwiseConv2dNative gradients (channel multiplier, strides, same/valid)', async (t) => {
    if (skip) return t.skip(skip);
    const cases = [
      { n: 1, h: 7, w: 9, c: 3, m: 1, k: 3, s: 1, d: 1, pad: 'same' as const },
      { n: 2, h: 8, w: 8, c: 4, m: 2, k: 3, s: 2, d: 1, pad: 'valid' as const },
      // (dilation > 1: tfjs's depthwise gradient refuses it, and the CPU kernel ignores it)
      { n: 2, h: 9, w: 10, c: 5, m: 1, k: 3, s: 1, d: 1, pad: 'valid' as const },
      { n: 1, h: 11, w: 6, c: 2, m: 3, k: 5, s: 2, d: 1, pad: 'same' as const },
    ];
    for (const c of cases) {
      const info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.c], [c.k, c.k, c.c, c.m], c.s, c.d, c.pad, undefined, true);
      const x = rand([c.n, c.h, c.w, c.c]);
      const dy = rand(info.outShape);
      const filter = rand([c.k, c.k, c.c, c.m]);
      const attrs = { strides: c.s, dilations: c.d, pad: c.pad };
      await compare(`dw filter ${JSON.stringify(c)}`, [x, dy], kernel('DepthwiseConv2dNativeBackpropFilter', { ...attrs, filterShape: [c.k, c.k, c.c, c.m] }));
      await compare(`dw input ${JSON.stringify(c)}`, [dy, filter], kernel('DepthwiseConv2dNativeBackpropInput', { ...attrs, inputShape: [c.n, c.h, c.w, c.c] }));
    }
  });

  test('MaxPoolGrad (sizes 2-3, strides 1-2, same/valid, odd sizes)', async (t) => {
    if (skip) return t.skip(skip);
    const cases = [
      { n: 1, h: 7, w: 5, c: 1, f: 2, s: 2, pad: 'valid' as const },
      { n: 2, h: 9, w: 8, c: 3, f: 3, s: 2, pad: 'same' as const },
      { n: 2, h: 6, w: 7, c: 16, f: 2, s: 1, pad: 'same' as const },
      { n: 3, h: 11, w: 9, c: 5, f: 3, s: 1, pad: 'valid' as const },
      { n: 1, h: 8, w: 8, c: 4, f: 2, s: 2, pad: 'same' as const },
    ];
    for (const c of cases) {
      const x = rand([c.n, c.h, c.w, c.c]);
      // Weight each pooled output differently so that a gradient sent to the wrong place shows.
      const fn = (a: Tensor) =>
        tf.grad((v: Tensor) => {
          const p: Tensor = tf.maxPool(v as never, c.f, c.s, c.pad);
          return tf.sum(tf.mul(p, tf.reshape(tf.range(1, 1 + p.size), p.shape)));
        })(a);
      await compare(`maxPoolGrad ${JSON.stringify(c)}`, [x], fn);
    }
    // Ties (ReLU zeros): the gradient goes to the first maximum, as on the CPU backend.
    const ties = { shape: [1, 4, 4, 2], values: new Float32Array(32) };
    await compare('maxPoolGrad ties', [ties], (a) => tf.grad((v: Tensor) => tf.sum(tf.maxPool(v as never, 2, 2, 'valid')))(a));
  });

  test('Sum over leading axes (bias gradient) and other reductions', async (t) => {
    if (skip) return t.skip(skip);
    const x = rand([3, 5, 7, 6]);
    await compare('sum [0,1,2]', [x], (a) => tf.sum(a, [0, 1, 2]));
    await compare('sum [0]', [x], (a) => tf.sum(a, 0));
    await compare('sum [1,0]', [x], (a) => tf.sum(a, [1, 0]));
    await compare('sum [1,2] (fallback)', [x], (a) => tf.sum(a, [1, 2]));
    await compare('sum all', [x], (a) => tf.sum(a).reshape([1]));
    await compare('sum keepDims', [x], (a) => tf.sum(a, [0, 1], true));
  });

  test('Identity and same-dtype Cast share data safely', async (t) => {
    if (skip) return t.skip(skip);
    const a = tf.tensor([1.5, -2, 3], [3]);
    const c = tf.cast(a, 'float32');
    const i = tf.clone(a);
    const r = tf.cast(a, 'int32');
    a.dispose();
    assert.deepEqual(Array.from(await c.data()), [1.5, -2, 3]);
    assert.deepEqual(Array.from(await i.data()), [1.5, -2, 3]);
    assert.deepEqual(Array.from(await r.data()), [1, -2, 3]);
    tf.dispose([c, i, r]);
    await compare('cast to int32', [rand([4, 5])], (v) => tf.cast(tf.mul(v, 10), 'int32'));
  });

  test('GatherV2 along axis 0 (model.fit batches) and other axes', async (t) => {
    if (skip) return t.skip(skip);
    const x = rand([7, 4, 3, 2]);
    const idx = [6, 0, 3, 3, 1];
    await compare('gather axis 0', [x], (v) => tf.gather(v, tf.tensor1d(idx, 'int32'), 0));
    await compare('gather axis 0, 2-D indices', [x], (v) => tf.gather(v, tf.tensor2d([[1, 2], [5, 0]], [2, 2], 'int32'), 0));
    await compare('gather axis 2', [x], (v) => tf.gather(v, tf.tensor1d([2, 0], 'int32'), 2));
    await compare('gather int32 rows', [x], (v) => tf.cast(tf.gather(tf.cast(tf.mul(v, 100), 'int32'), tf.tensor1d([4, 2], 'int32'), 0), 'float32'));
  });

  test('Slice: contiguous blocks (memcpy) and strided ones (fallback)', async (t) => {
    if (skip) return t.skip(skip);
    const x = rand([5, 4, 3, 2]);
    await compare('rows', [x], (v) => tf.slice(v, [1, 0, 0, 0], [3, -1, -1, -1]));
    await compare('all', [x], (v) => tf.slice(v, [0, 0, 0, 0], [-1, -1, -1, -1]));
    await compare('one row, inner rows', [x], (v) => tf.slice(v, [2, 1, 0, 0], [1, 2, 3, 2]));
    await compare('strided (inner crop)', [x], (v) => tf.slice(v, [0, 1, 1, 0], [5, 2, 2, 2]));
    await compare('last axis', [x], (v) => tf.slice(v, [0, 0, 0, 1], [5, 4, 3, 1]));
    await compare('1-D', [rand([9])], (v) => tf.slice(v, [2], [5]));
  });

  test('ReLU gradient', async (t) => {
    if (skip) return t.skip(skip);
    const x = rand([2, 5, 5, 3]);
    const w = rand([2, 5, 5, 3]);
    await compare('relu grad', [x, w], (a, b) => tf.grad((v: Tensor) => tf.sum(tf.mul(tf.relu(v), b!)))(a!));
  });
});

describe('training on the WASM backend', () => {
  async function fitLosses(model: import('@tensorflow/tfjs').LayersModel, xs: Tensor, ys: Tensor, loss: string, epochs: number): Promise<number[]> {
    model.compile({ optimizer: tf.train.adam(0.01), loss });
    const h = await model.fit(xs, ys, { epochs, batchSize: 16, shuffle: true, verbose: 0 });
    return h.history.loss as number[];
  }

  test('model.fit of a tiny conv net runs and lowers the loss', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(tf.getBackend(), 'wasm');
    tf.setBackend('wasm');
    const n = 48;
    const xs = tf.tidy(() => tf.randomUniform([n, 16, 12, 3], 0, 1, 'float32', 7));
    // Label: is the red channel brighter than the blue one on average?
    const ys = tf.tidy(() => tf.cast(tf.greater(tf.mean(tf.sub(xs.slice([0, 0, 0, 0], [n, 16, 12, 1]), xs.slice([0, 0, 0, 2], [n, 16, 12, 1])), [1, 2, 3]), 0), 'float32').reshape([n, 1]));
    const input = tf.input({ shape: [16, 12, 3] });
    let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as import('@tensorflow/tfjs').SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
    x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
    x = tf.layers.flatten().apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
    const out = tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const losses = await fitLosses(model, xs, ys, 'binaryCrossentropy', 12);
    assert.ok(losses.every(Number.isFinite), `finite losses ${losses}`);
    assert.ok(losses.at(-1)! < losses[0]! * 0.9, `loss fell from ${losses[0]} to ${losses.at(-1)}`);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  test('a CenterNet-style net (stride-2 conv, batch norm, separable conv, upsampling) trains on wasm', async (t) => {
    if (skip) return t.skip(skip);
    const n = 16;
    const xs = tf.tidy(() => tf.randomUniform([n, 16, 16, 3], 0, 1, 'float32', 11));
    // Target heatmap: a blurred copy of the green channel at half resolution.
    const ys = tf.tidy(() => tf.avgPool(xs.slice([0, 0, 0, 1], [n, 16, 16, 1]) as never, 2, 2, 'same'));
    const input = tf.input({ shape: [16, 16, 3] });
    type S = import('@tensorflow/tfjs').SymbolicTensor;
    let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(input) as S;
    x = tf.layers.batchNormalization().apply(x) as S;
    x = tf.layers.reLU().apply(x) as S;
    x = tf.layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', depthwiseInitializer: tf.initializers.glorotUniform({ seed: 5 }), pointwiseInitializer: tf.initializers.glorotUniform({ seed: 6 }) }).apply(x) as S;
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }).apply(x) as S;
    x = tf.layers.upSampling2d({ size: [2, 2] }).apply(x) as S;
    const out = tf.layers.conv2d({ filters: 1, kernelSize: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }).apply(x) as S;
    const model = tf.model({ inputs: input, outputs: out });
    const losses = await fitLosses(model, xs, ys, 'meanSquaredError', 15);
    assert.ok(losses.every(Number.isFinite), `finite losses ${losses}`);
    assert.ok(losses.at(-1)! < losses[0]!, `loss fell from ${losses[0]} to ${losses.at(-1)}`);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
