// explain: Grad-CAM on a hand-built model where the answer is known, and the CLI on a real crop
// with an imported seed model (PNG files exist, keep the crop's aspect, heatmap not uniform).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { initEngine, tf } from '../src/engine/index.ts';
import type { RgbImage } from '../src/image.ts';
import { readImage } from '../src/image.ts';
import { activationGrid, chainLayers, gradCam, heatmapOverlay, jet } from '../src/model/explain.ts';
import type { LoadedModel } from '../src/model/folder.ts';
import { STANDARD_PREPROCESSING } from '../src/model/folder.ts';
import { importKeras } from '../src/model/keras.ts';
import { REAL, SEED_MODELS, needFixtures, tempDir } from './helpers.ts';
import { runCli } from './keras-helpers.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  await initEngine();
  tmp = await tempDir('toonvision-explain-');
});
after(() => tmp?.cleanup());

/**
 * 8x8 input; a 1x1 conv copies red into channel 0 and green into channel 1; the sigmoid output
 * (P(toon)) grows with the red channel only. So 'toon' evidence is exactly where the image is red.
 */
function redDetector(): LoadedModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'relu', name: 'conv' });
  const flat = tf.layers.flatten({ name: 'flat' });
  const dense = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' });
  const output = dense.apply(flat.apply(conv.apply(input))) as import('@tensorflow/tfjs').SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  conv.setWeights([tf.tensor4d([1 / 255, 0, 0, 1 / 255, 0, 0], [1, 1, 3, 2]), tf.zeros([2])]);
  const w = Array.from({ length: 8 * 8 * 2 }, (_, i) => (i % 2 === 0 ? 0.1 : 0));
  dense.setWeights([tf.tensor2d(w, [128, 1]), tf.tensor1d([-2])]);
  return {
    dir: '(in memory)',
    model,
    metadata: { task: 'binary', classes: ['cog', 'toon'], inputShape: [8, 8, 3], preprocessing: STANDARD_PREPROCESSING, backend: 'test', createdAt: new Date().toISOString(), metrics: {} },
  };
}

/** Left half red, right half green. */
function halfRed(): RgbImage {
  const data = new Uint8Array(8 * 8 * 3);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) data.set(x < 4 ? [220, 0, 0] : [0, 220, 0], (y * 8 + x) * 3);
  return { data, width: 8, height: 8 };
}

test('Grad-CAM puts the predicted class\'s evidence where it is, and leaves no tensors behind', async () => {
  const loaded = redDetector();
  const img = halfRed();
  await gradCam(loaded, img); // warm-up
  const before = tf.memory().numTensors;
  const cam = await gradCam(loaded, img);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(cam.label, 'toon'); // sigmoid(-2 + 32 * 0.1 * 220/255) > 0.5
  assert.equal(cam.layer, 'conv');
  assert.deepEqual(cam.camShape, [8, 8]);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const v = cam.cam[y * 8 + x]!;
      if (x < 4) assert.ok(Math.abs(v - 1) < 1e-5, `red pixel ${x},${y} has ${v}`);
      else assert.ok(Math.abs(v) < 1e-6, `green pixel ${x},${y} has ${v}`);
    }
  }
  // The overlay has the crop's aspect and is hotter (redder) on the left than on the right.
  const pic = heatmapOverlay(img, cam.cam, cam.camShape, { minSide: 64 });
  assert.deepEqual([pic.width, pic.height], [64, 64]);
  const blueAt = (x: number, y: number) => pic.data[(y * 64 + x) * 3 + 2]!;
  assert.ok(blueAt(60, 32) > blueAt(4, 32) + 50, 'right half (cold) should be bluer than left half (hot)');
  assert.deepEqual(jet(1), [128, 0, 0]);
  assert.deepEqual(jet(0), [0, 0, 128]);
  loaded.model.dispose();
});

test('Grad-CAM of the other class is empty here: the red channel only ever argues for toon', async () => {
  const loaded = redDetector();
  const green: RgbImage = { data: new Uint8Array(8 * 8 * 3).map((_, i) => (i % 3 === 1 ? 220 : 0)), width: 8, height: 8 };
  const cam = await gradCam(loaded, green);
  assert.equal(cam.label, 'cog');
  assert.equal(cam.explainedClass, 'cog');
  assert.equal(cam.camMax, 0);
  loaded.model.dispose();
});

test('explain refuses a model whose layers are not a chain', () => {
  const input = tf.input({ shape: [8, 8, 3] });
  const a = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as import('@tensorflow/tfjs').SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as import('@tensorflow/tfjs').SymbolicTensor;
  const out = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(tf.layers.add().apply([a, b]))) as import('@tensorflow/tfjs').SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  assert.throws(() => chainLayers(model), /does not simply follow the previous layer/);
  model.dispose();
});

const fixtureSkip = needFixtures() || (existsSync(SEED_MODELS) ? false : `needs the seed models at ${SEED_MODELS} (not found)`);

test('explain CLI on a real crop: heatmap and activations PNGs, crop aspect, heatmap not uniform', { skip: fixtureSkip }, async () => {
  const modelDir = path.join(tmp.dir, 'binary');
  await importKeras(path.join(SEED_MODELS, 'binary_toon_cog.keras'), 'binary', modelDir);
  const box = [631, 174, 720, 510]; // cog_lb_bloodsucker, 89x336
  const out = path.join(tmp.dir, 'pics', 'bloodsucker.png');
  const r = await runCli(['explain', '--model', modelDir, `${path.join(REAL, 'sample_img0.png')}:${box.join(',')}`, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.label, 'cog');
  assert.equal(report.layer, 'conv2d_158');
  assert.deepEqual(report.camShape, [71, 21]);
  const actFile = path.join(tmp.dir, 'pics', 'bloodsucker-activations.png');
  assert.equal(report.activations, actFile);

  const heat = await readImage(out);
  const cropAspect = (box[2]! - box[0]!) / (box[3]! - box[1]!);
  assert.ok(Math.abs(heat.width / heat.height - cropAspect) < 0.01, `heatmap ${heat.width}x${heat.height} vs crop aspect ${cropAspect}`);
  // Not uniform: the red channel (hot) varies widely across the picture.
  const reds = Array.from({ length: heat.width * heat.height }, (_, i) => heat.data[i * 3]!);
  const mean = reds.reduce((s, v) => s + v, 0) / reds.length;
  const sd = Math.sqrt(reds.reduce((s, v) => s + (v - mean) ** 2, 0) / reds.length);
  assert.ok(sd > 20, `red channel standard deviation ${sd.toFixed(1)} is too small`);

  const act = await readImage(actFile);
  // Input block plus 16 + 32 + 32 channels at 16 per row: 1 + 1 + 2 + 2 rows of 120 px tiles.
  assert.ok(act.height >= 6 * 120, `activations picture is ${act.width}x${act.height}`);
  assert.ok(act.width >= 16 * 40);
});

test('activationGrid draws one titled block per conv layer (in memory, small tiles)', async () => {
  const loaded = redDetector();
  const png = await activationGrid(loaded, halfRed(), undefined, { tileHeight: 16, columns: 4 });
  const img = await readImage(png);
  // Blocks: input (1 row) and 'conv' (2 channels, 1 row), each 20 px title + 16 px tile + gaps.
  assert.equal(img.height, 2 * (20 + 16 + 2 + 2));
  assert.ok(img.width >= 200);
  loaded.model.dispose();
});
