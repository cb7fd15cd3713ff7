// train --compare-optimizers on a tiny real root (three optimizers, two epochs): three histories that
// start from the same weights and part ways, a PNG with a line of each optimizer, the --json summary,
// the 'flattened' rule, and the bad inputs (a model folder as --out is refused and left whole).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readImage } from '../src/image.ts';
import { FLATTENED, lossFlattened } from '../src/train/compare-optimizers.ts';
import type { OptimizersHistory } from '../src/train/compare-optimizers.ts';
import { LINE_COLOURS } from '../src/train/plots.ts';
import { initEngine, tf } from '../src/engine/index.ts';
import { makeOptimizer, OPTIMIZERS } from '../src/train/optimizers.ts';
import { tempDir } from './helpers.ts';
import { runCli } from './keras-helpers.ts';
import { writeTinyCrops } from './train-helpers.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
let root: string;

before(async () => {
  tmp = await tempDir('toonvision-optimizers-');
  root = path.join(tmp.dir, 'root');
  // 4 suits x 8 training crops: one batch of 32 an epoch, so epoch 1's loss is the initial weights' loss.
  await writeTinyCrops(root, {
    labels: { cog_bb_flunky: [8, 3, 1], cog_lb_bigwig: [8, 3, 1], cog_cb_tightwad: [8, 3, 1], cog_sb_twoface: [8, 3, 1] },
  });
});
after(() => tmp.cleanup());

test('lossFlattened: a high plateau is flattened; a falling or converged loss, or a short run, is not', () => {
  assert.equal(lossFlattened([1.39, 1.389, 1.388, 1.387, 1.386, 1.385]), true);
  assert.equal(lossFlattened([1.4, 0.9, 0.8, 0.79, 0.79, 0.79]), true); // stopped at more than FLATTENED.floor of the start
  assert.equal(lossFlattened([1.4, 1.2, 1.0, 0.8, 0.6, 0.4]), false);
  assert.equal(lossFlattened([1.4, 0.3, 0.05, 0.04, 0.04, 0.04]), false); // converged below the floor
  assert.equal(lossFlattened([1.39, 1.39, 1.39]), false);
  assert.equal(lossFlattened([1.39, Number.NaN, 1.39, 1.39]), false);
  assert.ok(FLATTENED.fall > 0 && FLATTENED.floor > 0);
});

test('every optimizer takes a step; adadelta follows Zeiler/Keras (tfjs 4.22\'s own is plain SGD)', async () => {
  await initEngine();
  const run = (name: (typeof OPTIMIZERS)[number], lr: number, steps: number) => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const opt = makeOptimizer(name, lr);
    for (let i = 0; i < steps; i++) opt.minimize(() => v.square().sum() as import('@tensorflow/tfjs').Scalar);
    const out = Array.from(v.dataSync());
    v.dispose();
    opt.dispose();
    return out;
  };
  for (const name of OPTIMIZERS) {
    const x = run(name, 1e-2, 2);
    assert.ok(x.every((xi, i) => xi < i + 1 && xi > 0), `${name}: ${x}`);
  }
  // By hand: x <- x - lr * sqrt(Ex + eps) / sqrt(Eg' + eps) * g, with g = 2x and Eg' already updated.
  const rho = 0.95;
  const eps = 1e-7;
  const x = [1, 2, 3];
  const eg = [0, 0, 0];
  const ex = [0, 0, 0];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < 3; i++) {
      const g = 2 * x[i]!;
      eg[i] = rho * eg[i]! + (1 - rho) * g * g;
      const u = (Math.sqrt(ex[i]! + eps) / Math.sqrt(eg[i]! + eps)) * g;
      ex[i] = rho * ex[i]! + (1 - rho) * u * u;
      x[i] = x[i]! - u;
    }
  }
  const got = run('adadelta', 1, 3);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(got[i]! - x[i]!) < 1e-6, `adadelta ${got} vs ${x}`);
  const sgd = run('sgd', 1e-3, 3);
  assert.ok(Math.abs(run('adadelta', 1e-3, 3)[0]! - sgd[0]!) > 1e-4);
});

test('three optimizers for two epochs: three histories from the same start, a summary, and a PNG with a line of each', async () => {
  const out = path.join(tmp.dir, 'cmp');
  const r = await runCli(['train', '--task', 'suit', '--root', root, '--compare-optimizers', 'sgd,adam,rmsprop', '--epochs', '2', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { optimizers: Record<string, unknown>[]; epochs: number; learningRate: number; files: string[] };
  assert.deepEqual(summary.optimizers.map((o) => o.name), ['sgd', 'adam', 'rmsprop']);
  for (const o of summary.optimizers) {
    assert.deepEqual(Object.keys(o).sort(), ['finalAccuracy', 'finalLoss', 'finalValAccuracy', 'finalValLoss', 'flattened', 'name']);
    for (const k of ['finalLoss', 'finalValLoss', 'finalAccuracy', 'finalValAccuracy']) assert.equal(typeof o[k], 'number', `${o.name}.${k}`);
    assert.equal(o.flattened, false, 'two epochs are too few to call a loss flattened');
  }
  assert.equal(summary.epochs, 2);
  assert.equal(summary.learningRate, 1e-3);
  assert.deepEqual(summary.files, ['history.json', 'optimizers.png']);
  // progress per optimizer and epoch on stderr
  for (const name of ['sgd', 'adam', 'rmsprop']) assert.match(r.stderr, new RegExp(`optimizer ${name} \\(\\d/3\\)`));
  assert.equal((r.stderr.match(/epoch 2\/2/g) ?? []).length, 3);

  const history = JSON.parse(await readFile(path.join(out, 'history.json'), 'utf8')) as OptimizersHistory;
  assert.equal(history.runs.length, 3);
  assert.equal(history.config.learningRate, 1e-3);
  assert.equal(history.config.dropout, 0);
  assert.equal(history.config.decay, 0);
  for (const run of history.runs) {
    assert.equal(run.epochs.length, 2);
    assert.ok(run.epochs.every((e) => e.lr === 1e-3), `${run.name}: the learning rate is static`);
  }
  // Same initial weights and batch: the first epoch's (single batch's) loss is the same for all three.
  const first = history.runs.map((r) => r.epochs[0]!.loss);
  for (const l of first) assert.ok(Math.abs(l - first[0]!) < 1e-5, `first losses ${first}`);
  // ... and the optimizers' steps part them: the second epoch's losses all differ.
  const second = history.runs.map((r) => r.epochs[1]!.loss);
  for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) assert.ok(Math.abs(second[i]! - second[j]!) > 1e-4, `second losses ${second}`);

  // The plot: many pixels of each optimizer's colour (lines in four panels, not just the legend's dot).
  const png = await readImage(await readFile(path.join(out, 'optimizers.png')));
  assert.ok(png.width > 800 && png.height > 500, `${png.width}x${png.height}`);
  const counts = LINE_COLOURS.slice(0, 3).map((hex) => {
    const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    let n = 0;
    for (let p = 0; p < png.width * png.height; p++) {
      if (Math.abs(png.data[p * 3]! - c[0]!) + Math.abs(png.data[p * 3 + 1]! - c[1]!) + Math.abs(png.data[p * 3 + 2]! - c[2]!) < 30) n++;
    }
    return n;
  });
  for (const n of counts) assert.ok(n > 1500, `pixels per line colour: ${counts}`);
});

test('bad input: unknown optimizer, --lr alone, a clashing flag; a model folder as --out is refused and kept', async () => {
  const out = path.join(tmp.dir, 'bad');
  const nadam = await runCli(['train', '--task', 'suit', '--root', root, '--compare-optimizers', 'adam,nadam', '--out', out]);
  assert.equal(nadam.code, 2);
  assert.match(nadam.stderr, /--compare-optimizers must list items out of sgd,momentum,adagrad,adadelta,adam,adamax,rmsprop, got 'adam,nadam'/);
  const lr = await runCli(['train', '--task', 'suit', '--root', root, '--lr', '0.01', '--out', out]);
  assert.equal(lr.code, 2);
  assert.match(lr.stderr, /--lr goes with --compare-optimizers/);
  const clash = await runCli(['train', '--task', 'suit', '--root', root, '--compare-optimizers', '--baseline', '--out', out]);
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /does not go with --baseline/);
  const badLr = await runCli(['train', '--task', 'suit', '--root', root, '--compare-optimizers', '--lr', '0', '--out', out]);
  assert.equal(badLr.code, 2);
  assert.match(badLr.stderr, /--lr must be above 0/);

  const model = path.join(tmp.dir, 'a-model');
  await mkdir(model);
  await writeFile(path.join(model, 'model.json'), '{"keep": true}');
  const r = await runCli(['train', '--task', 'suit', '--root', root, '--compare-optimizers', 'adam', '--epochs', '1', '--out', model]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /a-model: holds a model \(model\.json\)/);
  assert.equal(await readFile(path.join(model, 'model.json'), 'utf8'), '{"keep": true}');
  assert.equal(existsSync(path.join(model, 'history.json')), false);
  assert.equal(existsSync(out), false);
});
