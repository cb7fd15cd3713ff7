// retrain never replaces an installed model with a worse one, installs a better one by rename, and
// leaves the models folder holding only complete model folders.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from './helpers.ts';
import { DARK_LIGHT_SPEC, writeTinyCrops } from './train-helpers.ts';
import { initEngine, tf } from '../src/engine/index.ts';
import { loadModelFolder, saveModelFolder, STANDARD_PREPROCESSING } from '../src/model/folder.ts';
import { retrain } from '../src/train/retrain.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
let root: string;

/** Mean brightness -> P(toon): Cogs are dark and Toons bright in DARK_LIGHT_SPEC, so sign +1 is perfect and -1 always wrong. */
async function handBuiltBinary(dir: string, sign: 1 | -1): Promise<void> {
  const model = tf.sequential({
    layers: [
      tf.layers.globalAveragePooling2d({ inputShape: [96, 32, 3] }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.layers[1]!.setWeights([tf.fill([3, 1], 0.1 * sign), tf.tensor1d([-37.5 * sign])]);
  await saveModelFolder(dir, model, {
    task: 'binary',
    classes: ['cog', 'toon'],
    inputShape: [96, 32, 3],
    preprocessing: STANDARD_PREPROCESSING,
    backend: 'hand-built',
    createdAt: new Date().toISOString(),
    metrics: {},
    preset: 'hand-built',
  });
  model.dispose();
}

before(async () => {
  await initEngine();
  tmp = await tempDir('toonvision-retrain-');
  root = path.join(tmp.dir, 'root');
  await writeTinyCrops(root, DARK_LIGHT_SPEC);
});
after(() => tmp.cleanup());

test('retrain keeps an installed model that is better on the test split, and reports both figures', async () => {
  const models = path.join(tmp.dir, 'models-good');
  await handBuiltBinary(path.join(models, 'binary'), 1);
  const before = await readFile(path.join(models, 'binary', 'weights.bin'));
  const res = await retrain({ root: await copy('r1'), tasks: ['binary'], models, seed: 3, epochs: 1, plots: false, minTestCrops: 5 });
  const t = res.tasks[0]!;
  assert.equal(t.error, undefined);
  assert.equal(t.installed, false, t.reason);
  assert.deepEqual(t.old && 'accuracy' in t.old ? t.old.accuracy : null, 1);
  assert.ok(t.new && 'accuracy' in t.new && typeof t.new.loss === 'number');
  assert.match(t.reason, /current model is better/);
  assert.deepEqual(await readFile(path.join(models, 'binary', 'weights.bin')), before, 'installed weights untouched');
  assert.deepEqual(await readdir(models), ['binary'], 'no candidate folder left behind');
  const m = JSON.parse(await readFile(path.join(models, 'binary', 'metadata.json'), 'utf8'));
  assert.equal(m.preset, 'hand-built');
});

test('retrain installs a new model that is at least as good, atomically, and the folder loads', async () => {
  const models = path.join(tmp.dir, 'models-bad');
  await handBuiltBinary(path.join(models, 'binary'), -1);
  const r = await copy('r2');
  const res = await retrain({ root: r, tasks: ['binary'], models, seed: 3, epochs: 1, plots: false, minTestCrops: 5 });
  const t = res.tasks[0]!;
  assert.equal(t.installed, true, t.reason);
  assert.ok(t.old && 'accuracy' in t.old && t.old.accuracy === 0);
  assert.deepEqual(await readdir(models), ['binary']);
  const loaded = await loadModelFolder(path.join(models, 'binary'), 'binary');
  assert.equal(loaded.metadata.preset, 'fast');
  loaded.model.dispose();
  assert.equal(res.extract.screenshots, 0);
  assert.equal(res.split.train + res.split.validate + res.split.test, 40, 'every crop re-split');
});

test('retrain reports a task that cannot train and leaves its installed model alone', async () => {
  const models = path.join(tmp.dir, 'models-suit');
  const res = await retrain({ root: await copy('r3'), tasks: ['suit'], models, seed: 3, epochs: 1, plots: false, minTestCrops: 0 });
  const t = res.tasks[0]!;
  assert.equal(t.installed, false);
  assert.match(t.error ?? '', /task 'suit' has no examples of classes lb, cb/);
  assert.deepEqual(await readdir(models), []);
});

async function copy(name: string): Promise<string> {
  const dir = path.join(tmp.dir, name);
  await cp(root, dir, { recursive: true });
  return dir;
}

test('retrain after one capture keeps the detector the agent runs (the shipped one) and trains none', async () => {
  const { writeScenes } = await import('../src/synth/index.ts');
  const r = await copy('r4');
  await writeScenes(path.join(r, 'raw', 'screenshots'), { count: 1, seed: 5 });
  const models = path.join(tmp.dir, 'models-none');
  const res = await retrain({ root: r, tasks: ['detector'], models, seed: 3, epochs: 1, plots: false });
  const t = res.tasks[0]!;
  assert.equal(t.installed, false, t.reason);
  assert.equal(t.error, undefined);
  assert.match(t.current ?? '', /models[\\/]demo[\\/]detector$/);
  assert.match(t.reason, /only 1 labelled screenshot\(s\): too few to fit and check a rescorer for the pretrained detector .* kept it/);
  assert.deepEqual(await readdir(models).catch(() => []), [], 'nothing installed, no candidate left');
});

test('retrain keeps the current classifier without training when the test split is too small to compare', async () => {
  const models = path.join(tmp.dir, 'models-few');
  await handBuiltBinary(path.join(models, 'binary'), -1);
  const before = await readFile(path.join(models, 'binary', 'weights.bin'));
  const res = await retrain({ root: await copy('r5'), tasks: ['binary'], models, seed: 3, epochs: 1, plots: false });
  const t = res.tasks[0]!;
  assert.equal(t.installed, false);
  assert.equal(t.new, null, 'nothing trained');
  assert.match(t.reason, /only 8 test crop\(s\) for binary: too few .* kept it without training/);
  assert.deepEqual(await readFile(path.join(models, 'binary', 'weights.bin')), before);
});
