// retrain never replaces an installed model with a worse one, installs a better one by rename, and
// leaves the models folder holding only complete model folders. Classifiers are fine-tuned from the
// model the agent runs and judged by cross-validation over the player's screenshots (here crops only:
// each crop its own group).
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

test('retrain keeps an installed model that the fine-tuned one does not beat by more than the spread, and reports both figures', async () => {
  const models = path.join(tmp.dir, 'models-good');
  await handBuiltBinary(path.join(models, 'binary'), 1);
  const before = await readFile(path.join(models, 'binary', 'weights.bin'));
  const res = await retrain({ root: await copy('r1'), tasks: ['binary'], models, seed: 3, plots: false, synthetic: 0 });
  const t = res.tasks[0]!;
  assert.equal(t.error, undefined);
  assert.equal(t.installed, false, t.reason);
  assert.deepEqual(t.old && 'accuracy' in t.old ? t.old.accuracy : null, 1);
  assert.ok(t.new && 'accuracy' in t.new && typeof t.new.loss === 'number' && t.new.crossValidated === true);
  assert.equal(t.judgement?.boxes, 40, 'every crop judged once (cross-validation), not a test split of 12');
  assert.equal(t.judgement?.perFold.length, 5);
  assert.ok(t.judgement!.margin <= t.judgement!.spread);
  assert.match(t.reason, /not by more than the spread/);
  assert.match(t.message ?? '', /learnt from your 40 Cog and Toon crops: Cog or Toon right on \d+ of 40 held-out characters, was 40 of 40: kept the current one/);
  assert.deepEqual(await readFile(path.join(models, 'binary', 'weights.bin')), before, 'installed weights untouched');
  assert.deepEqual(await readdir(models), ['binary'], 'no candidate folder left behind');
  const m = JSON.parse(await readFile(path.join(models, 'binary', 'metadata.json'), 'utf8'));
  assert.equal(m.preset, 'hand-built');
});

test('retrain installs a fine-tuned model that wins by more than the spread, atomically, and the folder loads', async () => {
  const models = path.join(tmp.dir, 'models-bad');
  await handBuiltBinary(path.join(models, 'binary'), -1);
  const r = await copy('r2');
  const res = await retrain({ root: r, tasks: ['binary'], models, seed: 3, plots: false, synthetic: 0 });
  const t = res.tasks[0]!;
  assert.equal(t.installed, true, t.reason);
  assert.ok(t.old && 'accuracy' in t.old && t.old.accuracy === 0);
  assert.ok(t.judgement!.margin > t.judgement!.spread, JSON.stringify(t.judgement));
  assert.match(t.message ?? '', /: installed$/);
  assert.deepEqual(await readdir(models), ['binary']);
  const loaded = await loadModelFolder(path.join(models, 'binary'), 'binary');
  assert.equal(loaded.metadata.preset, 'hand-built', 'fine-tuned from the running model: the same network');
  const ft = loaded.metadata.fineTuned as { seen: string[]; crops: number };
  assert.equal(ft.crops, 40);
  assert.equal(ft.seen.length, 40, 'the crops it learnt from are named, so that the next retrain judges it on others');
  loaded.model.dispose();
  assert.equal(res.extract.screenshots, 0);
  assert.equal(res.split.train + res.split.validate + res.split.test, 40, 'every crop re-split');
});

test('retrain reports a task that cannot train and leaves its installed model alone', async () => {
  const models = path.join(tmp.dir, 'models-odd');
  // An output layer that is not a dense layer (an activation after it): nothing to fine-tune.
  const model = tf.sequential({ layers: [tf.layers.globalAveragePooling2d({ inputShape: [96, 32, 3] }), tf.layers.dense({ units: 1 }), tf.layers.activation({ activation: 'sigmoid' })] });
  await saveModelFolder(path.join(models, 'binary'), model, { task: 'binary', classes: ['cog', 'toon'], inputShape: [96, 32, 3], preprocessing: STANDARD_PREPROCESSING, backend: 'hand-built', createdAt: new Date().toISOString(), metrics: {}, preset: 'hand-built' });
  model.dispose();
  const before = await readFile(path.join(models, 'binary', 'weights.bin'));
  const res = await retrain({ root: await copy('r3'), tasks: ['binary'], models, seed: 3, epochs: 1, plots: false, synthetic: 0 });
  const t = res.tasks[0]!;
  assert.equal(t.installed, false);
  assert.match(t.error ?? '', /its last layer is Activation, not a dense output layer: cannot fine-tune it/);
  assert.match(t.message ?? '', /could not learn the binary model .*: kept the current one/);
  assert.deepEqual(await readFile(path.join(models, 'binary', 'weights.bin')), before);
  assert.deepEqual(await readdir(models), ['binary']);
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

test('retrain keeps the current classifier without training when there are too few boxes to judge', async () => {
  const models = path.join(tmp.dir, 'models-few');
  await handBuiltBinary(path.join(models, 'binary'), -1);
  const before = await readFile(path.join(models, 'binary', 'weights.bin'));
  const r = path.join(tmp.dir, 'r5');
  await writeTinyCrops(r, { ...DARK_LIGHT_SPEC, labels: { cog_sb_coldcaller: [2, 0, 0], toon_dog: [2, 0, 1] } });
  const res = await retrain({ root: r, tasks: ['binary'], models, seed: 3, epochs: 1, plots: false, synthetic: 0 });
  const t = res.tasks[0]!;
  assert.equal(t.installed, false);
  assert.equal(t.new, null, 'nothing trained');
  assert.match(t.reason, /only 5 box\(es\) for binary in 5 screenshot\(s\) .*: too few to tell a new model from it .* kept it without training/);
  assert.equal(t.message, 'too few characters (5) to judge the Cog-or-Toon model: kept the current one');
  assert.deepEqual(await readFile(path.join(models, 'binary', 'weights.bin')), before);
});
