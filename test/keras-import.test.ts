// import-keras on small Keras-2-like HDF5 files written here with h5wasm: layer mapping (including
// BatchNormalization and skipped Random* layers) checked numerically, and each bad input one clear error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initEngine, tf } from '../src/engine/index.ts';
import { loadModelFolder } from '../src/model/folder.ts';
import { KerasImportError, importKeras, readKerasModel } from '../src/model/keras.ts';
import { SEED_MODELS, tempDir } from './helpers.ts';
import type { FakeLayer } from './keras-helpers.ts';
import { runCli, writeFakeKeras } from './keras-helpers.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  await initEngine();
  tmp = await tempDir('toonvision-keras-');
});
after(() => tmp?.cleanup());

/** Deterministic pseudo-random values in [-1, 1). */
function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
}

const conv = values(3 * 3 * 3 * 2, 1);
const convBias = [0.1, -0.2];
const gamma = [1.5, 0.5];
const beta = [0.25, -0.1];
const mean = [0.3, -0.4];
const variance = [2.0, 0.5];
const dense = values(2 * 2 * 2, 7);

function smallNet(extra: FakeLayer[] = []): FakeLayer[] {
  return [
    { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 4, 4, 3], dtype: 'float32' } },
    { class_name: 'RandomFlip', config: { name: 'flip', mode: 'horizontal' } },
    { class_name: 'RandomZoom', config: { name: 'zoom', height_factor: 0.2 } },
    { class_name: 'Rescaling', config: { name: 'rescale', scale: 1 / 255, offset: 0 } },
    {
      class_name: 'Conv2D',
      config: { name: 'conv', filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: true },
      weights: { kernel: [[3, 3, 3, 2], conv], bias: [[2], convBias] },
    },
    {
      class_name: 'BatchNormalization',
      config: { name: 'bn', axis: [3], momentum: 0.99, epsilon: 0.001, center: true, scale: true },
      weights: { gamma: [[2], gamma], beta: [[2], beta], moving_mean: [[2], mean], moving_variance: [[2], variance] },
    },
    { class_name: 'MaxPooling2D', config: { name: 'pool', pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' } },
    ...extra,
    { class_name: 'Flatten', config: { name: 'flat', data_format: 'channels_last' } },
    { class_name: 'Dropout', config: { name: 'drop', rate: 0.5 } },
    { class_name: 'Dense', config: { name: 'out', units: 1, activation: 'sigmoid', use_bias: true }, weights: { kernel: [[8, 1], dense], bias: [[1], [0.05]] } },
  ];
}

test('a Sequential model with Random*, Rescaling, Conv2D, BatchNormalization, pooling, Dropout and Dense imports and computes what Keras would', async () => {
  const file = path.join(tmp.dir, 'small.h5');
  await writeFakeKeras(file, smallNet());
  const out = path.join(tmp.dir, 'small-model');
  const r = await importKeras(file, 'binary', out);
  assert.deepEqual(r.inputShape, [4, 4, 3]);
  assert.deepEqual(r.layers.filter((l) => l.action === 'skipped').map((l) => l.className), ['RandomFlip', 'RandomZoom']);
  assert.equal(r.params, 3 * 3 * 3 * 2 + 2 + 4 * 2 + 8 + 1);
  const meta = JSON.parse(await readFile(path.join(out, 'metadata.json'), 'utf8'));
  assert.equal(meta.task, 'binary');
  assert.deepEqual(meta.classes, ['cog', 'toon']);
  assert.deepEqual(meta.inputShape, [4, 4, 3]);
  assert.equal(meta.preset, 'keras-import');
  assert.deepEqual(meta.metrics, {});
  assert.equal(meta.preprocessing.halfPixelCenters, true);
  assert.equal(meta.source.kerasVersion, '2.8.0');
  assert.ok(!Number.isNaN(Date.parse(meta.createdAt)));

  const loaded = await loadModelFolder(out, 'binary');
  const x = tf.tensor4d(values(4 * 4 * 3, 3).map((v) => (v + 1) * 127.5), [1, 4, 4, 3]);
  const got = (loaded.model.predict(x) as import('@tensorflow/tfjs').Tensor).dataSync()[0]!;
  // The same network written out with plain tensor ops (Keras semantics: BN uses moving statistics).
  const expected = tf.tidy(() => {
    let y = tf.relu(tf.add(tf.conv2d(tf.mul(x, 1 / 255) as import('@tensorflow/tfjs').Tensor4D, tf.tensor4d(conv, [3, 3, 3, 2]), 1, 'same'), convBias));
    y = tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, 0.001))), gamma), beta);
    y = tf.maxPool(y as import('@tensorflow/tfjs').Tensor4D, 2, 2, 'valid');
    const z = tf.add(tf.matMul(tf.reshape(y, [1, 8]), tf.tensor2d(dense, [8, 1])), 0.05);
    return tf.sigmoid(z).dataSync()[0]!;
  });
  assert.ok(Math.abs(got - expected) < 1e-5, `got ${got}, expected ${expected}`);
  loaded.model.dispose();
  x.dispose();
});

test('a Functional model with a nested Sequential augmentation block (Chollet style) imports, the block inlined', async () => {
  const net = smallNet();
  const [input, flip, zoom, ...rest] = net;
  const node = (name: string) => [[[name, 0, 0, {}]]];
  const layers = [
    { class_name: 'InputLayer', config: input!.config, name: 'in', inbound_nodes: [] },
    {
      class_name: 'Sequential',
      name: 'data_augmentation',
      config: { name: 'data_augmentation', layers: [flip, zoom].map((l) => ({ class_name: l!.class_name, config: l!.config })) },
      inbound_nodes: node('in'),
    },
    ...rest.map((l, i) => ({ class_name: l.class_name, config: l.config, name: String(l.config.name), inbound_nodes: node(i === 0 ? 'data_augmentation' : String(rest[i - 1]!.config.name)) })),
  ];
  const config = { class_name: 'Functional', config: { name: 'functional', layers, input_layers: [['in', 0, 0]], output_layers: [['out', 0, 0]] } };
  const file = path.join(tmp.dir, 'functional.h5');
  await writeFakeKeras(file, net, { config });
  const km = await readKerasModel(file);
  assert.deepEqual(
    km.layers.map((l) => `${l.name}:${l.action}`),
    ['in:input', 'data_augmentation:inlined', 'flip:skipped', 'zoom:skipped', 'rescale:mapped', 'conv:mapped', 'bn:mapped', 'pool:mapped', 'flat:mapped', 'drop:mapped', 'out:mapped'],
  );
  // Same weights as the Sequential version, so the same output.
  const seqFile = path.join(tmp.dir, 'sequential.h5');
  await writeFakeKeras(seqFile, net);
  const seq = await readKerasModel(seqFile);
  const x = tf.tensor4d(values(48, 5).map((v) => (v + 1) * 127.5), [1, 4, 4, 3]);
  const a = (km.model.predict(x) as import('@tensorflow/tfjs').Tensor).dataSync()[0]!;
  const b = (seq.model.predict(x) as import('@tensorflow/tfjs').Tensor).dataSync()[0]!;
  assert.ok(Math.abs(a - b) < 1e-7 && a > 0 && a < 1, `${a} vs ${b}`);
  km.model.dispose();
  seq.model.dispose();
  x.dispose();
});

test('an unsupported layer is a clear error naming the layer, its class and the file', async () => {
  const file = path.join(tmp.dir, 'lstm.h5');
  await writeFakeKeras(file, smallNet([{ class_name: 'LSTM', config: { name: 'lstm_1', units: 4 } }]));
  await assert.rejects(readKerasModel(file), (err: unknown) => {
    assert.ok(err instanceof KerasImportError);
    assert.match(err.message, /lstm\.h5: unsupported Keras layer 'lstm_1' of class LSTM/);
    return true;
  });
});

test('a file that is not HDF5, a Keras 3 zip, a missing file and a weights-only file are each a clear error', async () => {
  const text = path.join(tmp.dir, 'notes.keras');
  await writeFile(text, 'just some text, not a model\n');
  await assert.rejects(readKerasModel(text), /notes\.keras: is not an HDF5 file/);
  const zip = path.join(tmp.dir, 'v3.keras');
  await writeFile(zip, Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(60)]));
  await assert.rejects(readKerasModel(zip), /v3\.keras: is a zip archive \(Keras 3/);
  await assert.rejects(readKerasModel(path.join(tmp.dir, 'absent.h5')), /absent\.h5: file does not exist/);
  const weightsOnly = path.join(tmp.dir, 'weights-only.h5');
  await writeFakeKeras(weightsOnly, smallNet(), { modelConfig: false });
  await assert.rejects(readKerasModel(weightsOnly), /weights-only\.h5: has no model_config attribute/);
});

test('missing or misshapen weights and a model that does not fit the task are clear errors', async () => {
  const net = smallNet();
  const denseLayer = net.at(-1)!;
  denseLayer.weights = { kernel: [[4, 2], values(8, 9)], bias: [[2], [0, 0]] };
  denseLayer.config.units = 2;
  const file = path.join(tmp.dir, 'misshapen.h5');
  await writeFakeKeras(file, net);
  await assert.rejects(readKerasModel(file), /misshapen\.h5: layer 'out': weight 'kernel' has shape \[4,2\] but the layer needs \[8,2\]/);

  const good = path.join(tmp.dir, 'good.h5');
  await writeFakeKeras(good, smallNet());
  await assert.rejects(importKeras(good, 'suit', path.join(tmp.dir, 'wrong-task')), /good\.h5: model output shape \[null,1\] does not fit task 'suit' \(needs 4 outputs/);
  assert.equal(existsSync(path.join(tmp.dir, 'wrong-task')), false);
});

test('import-keras CLI: writes a model folder (exit 0); a bad --task is exit 2; an unsupported layer exit 1 naming it', async () => {
  const good = path.join(tmp.dir, 'cli-good.h5');
  await writeFakeKeras(good, smallNet());
  const lstm = path.join(tmp.dir, 'cli-lstm.h5');
  await writeFakeKeras(lstm, smallNet([{ class_name: 'LSTM', config: { name: 'lstm_9', units: 4 } }]));
  const out = path.join(tmp.dir, 'cli-model');
  const [ok, badTask, unsupported] = await Promise.all([
    runCli(['import-keras', good, '--task', 'binary', '--out', out, '--json']),
    runCli(['import-keras', good, '--task', 'hat', '--out', out]),
    runCli(['import-keras', lstm, '--task', 'binary', '--out', path.join(tmp.dir, 'never')]),
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const summary = JSON.parse(ok.stdout);
  assert.equal(summary.task, 'binary');
  assert.deepEqual(summary.skipped, ['flip (RandomFlip)', 'zoom (RandomZoom)']);
  for (const f of ['model.json', 'weights.bin', 'metadata.json']) assert.ok(existsSync(path.join(out, f)), f);
  assert.equal(badTask.code, 2);
  assert.match(badTask.stderr, /--task 'hat' is not a classifier task/);
  assert.equal(unsupported.code, 1);
  assert.match(unsupported.stderr, /cli-lstm\.h5: unsupported Keras layer 'lstm_9' of class LSTM/);
  assert.equal(existsSync(path.join(tmp.dir, 'never')), false);
});

test('the seed models import with the article parameter counts', { skip: existsSync(SEED_MODELS) ? false : `needs the seed models at ${SEED_MODELS} (not found)` }, async () => {
  const km = await readKerasModel(path.join(SEED_MODELS, 'binary_toon_cog.keras'));
  assert.equal(km.model.countParams(), 25537);
  assert.deepEqual(km.inputShape, [600, 200, 3]);
  km.model.dispose();
  const tuned = await readKerasModel(path.join(SEED_MODELS, 'suit_tuned.keras'));
  assert.deepEqual(tuned.layers.filter((l) => l.action === 'skipped').map((l) => l.className), ['RandomFlip']);
  tuned.model.dispose();
});
