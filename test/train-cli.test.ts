// train / evaluate end to end on tiny real PNG crops (fast preset, 1 epoch), and every bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCliSync, tempDir } from './helpers.ts';
import { BINARY_SPEC, writeTinyCrops } from './train-helpers.ts';
import { initEngine } from '../src/engine/index.ts';
import { loadModelFolder } from '../src/model/folder.ts';
import { runTraining } from '../src/train/experiment.ts';
import type { HistoryFile } from '../src/train/experiment.ts';
import { evaluateModelFolder } from '../src/train/evaluate-model.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
let root: string;
let model: string;

function run(args: string[]) {
  return runCliSync(args, { env: { ...process.env, TOONVISION_BACKEND: process.env.TOONVISION_BACKEND ?? '' } });
}

before(async () => {
  tmp = await tempDir('toonvision-train-');
  root = path.join(tmp.dir, 'root');
  model = path.join(tmp.dir, 'model');
  await writeTinyCrops(root, BINARY_SPEC);
  await initEngine();
});
after(() => tmp.cleanup());

test('train --json writes a loadable model folder with full metadata, history.json and plots', () => {
  const r = run(['train', '--task', 'binary', '--root', root, '--epochs', '1', '--out', model, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(r.stdout.trim().split('\n').length, 1, 'exactly one JSON document');
  assert.equal(summary.task, 'binary');
  assert.equal(summary.baseline, false);
  assert.ok(summary.testAccuracy >= 0 && summary.testAccuracy <= 1);
  for (const f of ['model.json', 'weights.bin', 'metadata.json', 'history.json', 'curves.png', 'confusion.png', 'wrong.png']) {
    assert.ok(existsSync(path.join(model, f)), `${f} written`);
  }
  assert.match(r.stderr, /epoch 1\/1/, 'progress on stderr');
});

test('the trained folder loads, its metadata is complete and its history has one run', async () => {
  const loaded = await loadModelFolder(model, 'binary');
  const m = loaded.metadata;
  assert.deepEqual(m.classes, ['cog', 'toon']);
  assert.deepEqual(m.inputShape, [96, 48, 3]);
  assert.equal((m.preprocessing as { halfPixelCenters: boolean }).halfPixelCenters, true);
  assert.ok(typeof m.backend === 'string' && m.backend.length > 0);
  assert.ok(!Number.isNaN(Date.parse(m.createdAt)));
  assert.equal(typeof m.metrics.testAccuracy, 'number');
  assert.equal(m.preset, 'fast');
  assert.equal(m.baseline, false);
  assert.deepEqual((m.dataset as Record<string, unknown>).train, { cog: 12, toon: 12 });
  assert.deepEqual((m.dataset as Record<string, unknown>).test, { cog: 4, toon: 4 });
  const out = loaded.model.predict((await import('../src/engine/index.ts')).tf.zeros([1, 96, 48, 3])) as import('@tensorflow/tfjs').Tensor;
  assert.deepEqual(out.shape, [1, 1]);
  out.dispose();
  loaded.model.dispose();
  const h = JSON.parse(await readFile(path.join(model, 'history.json'), 'utf8')) as HistoryFile;
  assert.equal(h.runs.length, 1);
  assert.equal(h.runs[0]!.epochs.length, 1);
  assert.equal(h.runs[0]!.kept, true);
  assert.equal(typeof h.runs[0]!.epochs[0]!.valLoss, 'number');
  assert.equal(h.runs[0]!.test.accuracy, m.metrics.testAccuracy);
});

test('evaluate --json: the contract shape, confusion summing to the test crops', () => {
  const r = run(['evaluate', '--model', model, '--root', root, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const ev = JSON.parse(r.stdout);
  for (const k of ['accuracy', 'loss', 'classes', 'perClass', 'confusion', 'wrong']) assert.ok(k in ev, k);
  assert.deepEqual(ev.classes, ['cog', 'toon']);
  const total = ev.confusion.flat().reduce((a: number, b: number) => a + b, 0);
  assert.equal(total, 8);
  const correct = ev.confusion[0][0] + ev.confusion[1][1];
  assert.equal(ev.wrong.length, total - correct);
  assert.ok(Math.abs(ev.accuracy - correct / total) < 1e-12);
  assert.equal(ev.perClass.cog.support + ev.perClass.toon.support, 8);
  for (const w of ev.wrong) {
    for (const k of ['file', 'label', 'predicted', 'error', 'A']) assert.ok(k in w, k);
    assert.ok(existsSync(w.file));
  }
  for (let i = 1; i < ev.wrong.length; i++) assert.ok(ev.wrong[i - 1].error >= ev.wrong[i].error);
});

test('--baseline is reflected in metadata and history; --compare --runs 2 trains both groups with box plots', async () => {
  const base = path.join(tmp.dir, 'baseline');
  const s = await runTraining({ root, task: 'binary', preset: 'fast', baseline: true, epochs: 1, out: base, plots: false });
  assert.equal(s.baseline, true);
  const loaded = await loadModelFolder(base, 'binary');
  assert.equal(loaded.metadata.baseline, true);
  assert.equal((loaded.metadata.training as { dropout: number }).dropout, 0);
  assert.ok(!loaded.model.layers.some((l) => l.getClassName() === 'Dropout'), 'no dropout layer');
  loaded.model.dispose();

  const cmp = path.join(tmp.dir, 'compare');
  const c = await runTraining({ root, task: 'binary', preset: 'fast', compare: true, runs: 2, epochs: 1, out: cmp, seed: 5 });
  const h = JSON.parse(await readFile(path.join(cmp, 'history.json'), 'utf8')) as HistoryFile;
  assert.deepEqual(h.runs.map((r) => `${r.group}${r.run}`), ['baseline1', 'baseline2', 'optimized1', 'optimized2']);
  assert.ok(h.runs.every((r) => r.split === 'resplit' && r.dataset.train + r.dataset.validate + r.dataset.test === 40));
  assert.equal(h.config.baseline!.dropout, 0);
  assert.equal(h.config.optimized!.dropout, 0.25);
  assert.equal(h.best.group, 'optimized');
  assert.equal(c.groups.baseline!.runs, 2);
  assert.ok(existsSync(path.join(cmp, 'comparison.png')));
  const meta = JSON.parse(await readFile(path.join(cmp, 'metadata.json'), 'utf8'));
  assert.equal(meta.baseline, false);
  assert.deepEqual((await readdir(tmp.dir)).filter((n) => n.includes('.partial-')), [], 'no staging folder left');
});

async function copyRoot(name: string): Promise<string> {
  const dir = path.join(tmp.dir, name);
  await cp(root, dir, { recursive: true });
  return dir;
}

test('bad input: missing split folder, empty split, a class without examples', async () => {
  const noVal = await copyRoot('no-validate');
  await rm(path.join(noVal, 'data', 'validate'), { recursive: true });
  await assert.rejects(runTraining({ root: noVal, task: 'binary', preset: 'fast', epochs: 1, out: path.join(tmp.dir, 'x1') }), /data[\\/]validate: split folder is missing/);

  const empty = await copyRoot('empty-test');
  for (const k of ['cog', 'toon']) {
    await rm(path.join(empty, 'data', 'test', k), { recursive: true });
    await mkdir(path.join(empty, 'data', 'test', k));
  }
  await assert.rejects(runTraining({ root: empty, task: 'binary', preset: 'fast', epochs: 1, out: path.join(tmp.dir, 'x2') }), /data[\\/]test: split folder holds no crops/);

  // BINARY_SPEC has only Sellbot and Lawbot Cogs: suit has no bb, cb
  await assert.rejects(runTraining({ root, task: 'suit', preset: 'fast', epochs: 1, out: path.join(tmp.dir, 'x3') }), /task 'suit' has no examples of classes bb, cb/);
  // animal: no Toon is a bear etc.; the message names the classes missing in train
  await assert.rejects(runTraining({ root, task: 'animal', preset: 'fast', epochs: 1, out: path.join(tmp.dir, 'x4') }), /data[\\/]train: task 'animal' has no examples of classes bear, crocodile/);
  assert.ok(!existsSync(path.join(tmp.dir, 'x1')) && !existsSync(path.join(tmp.dir, 'x3')), 'nothing written on failure');
});

test('bad input: an unreadable image is named, one line on stderr, exit 1', async () => {
  const bad = await copyRoot('bad-image');
  const file = path.join(bad, 'data', 'train', 'cog', 'cog_sb_coldcaller_99.png');
  await writeFile(file, 'this is not a PNG');
  const r = run(['train', '--task', 'binary', '--root', bad, '--epochs', '1', '--out', path.join(tmp.dir, 'x5')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cog_sb_coldcaller_99\.png: cannot decode image/);
  assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('toonvision:')).length, 1);
  assert.equal(r.stdout, '');
});

test('bad input: model folder without metadata, or whose input or classes do not fit its task', async () => {
  const noMeta = path.join(tmp.dir, 'no-meta');
  await cp(model, noMeta, { recursive: true });
  await rm(path.join(noMeta, 'metadata.json'));
  await assert.rejects(evaluateModelFolder(noMeta, root, 'test'), /no metadata\.json in the model folder/);

  const wrongInput = path.join(tmp.dir, 'wrong-input');
  await cp(model, wrongInput, { recursive: true });
  const meta = JSON.parse(await readFile(path.join(model, 'metadata.json'), 'utf8'));
  await writeFile(path.join(wrongInput, 'metadata.json'), JSON.stringify({ ...meta, inputShape: [96, 32, 3] }));
  await assert.rejects(evaluateModelFolder(wrongInput, root, 'test'), /does not match metadata inputShape/);

  const wrongTask = path.join(tmp.dir, 'wrong-task');
  await cp(model, wrongTask, { recursive: true });
  await writeFile(path.join(wrongTask, 'metadata.json'), JSON.stringify({ ...meta, task: 'suit', classes: ['bb', 'lb', 'cb', 'sb'] }));
  await assert.rejects(evaluateModelFolder(wrongTask, root, 'test'), /network has 1 outputs but task 'suit' with 4 classes needs 4/);

  const r = run(['evaluate', '--model', noMeta, '--root', root, '--json']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no-meta: no metadata\.json/);
  assert.equal(r.stdout, '');
});
