// Pure parts of the training module: the best-run rule, scoring, augmentation matrices, splits, decay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBetterRun, scoreOutputs } from '../src/train/evaluate.ts';
import { transformRow } from '../src/train/augment.ts';
import { stratifiedSplit } from '../src/train/split.ts';
import { balancedWeights, fastEpochs, trainConfig } from '../src/train/trainer.ts';
import { decayedRate, warmupCosine, warmupSteps } from '../src/train/schedule.ts';
import { atLeastAsGood } from '../src/train/retrain.ts';
import { median } from '../src/median.ts';
import type { Example } from '../src/train/data.ts';

test('best-run rule: kept only when test accuracy is higher AND test loss lower than the best so far', () => {
  assert.equal(isBetterRun({ accuracy: 0.5, loss: 9 }, undefined), true);
  const best = { accuracy: 0.9, loss: 0.3 };
  assert.equal(isBetterRun({ accuracy: 0.95, loss: 0.2 }, best), true);
  assert.equal(isBetterRun({ accuracy: 0.95, loss: 0.4 }, best), false, 'higher accuracy but higher loss');
  assert.equal(isBetterRun({ accuracy: 0.85, loss: 0.1 }, best), false, 'lower loss but lower accuracy');
  assert.equal(isBetterRun({ accuracy: 0.9, loss: 0.1 }, best), false, 'equal accuracy is not higher');
  // a sequence of runs: which ones are kept
  const runs = [
    { accuracy: 0.9, loss: 0.5 },
    { accuracy: 0.95, loss: 0.6 },
    { accuracy: 0.92, loss: 0.4 },
    { accuracy: 0.97, loss: 0.3 },
    { accuracy: 0.99, loss: 0.35 },
  ];
  let b: { accuracy: number; loss: number } | undefined;
  const kept: number[] = [];
  runs.forEach((r, i) => {
    if (isBetterRun(r, b)) {
      b = r;
      kept.push(i + 1);
    }
  });
  assert.deepEqual(kept, [1, 3, 4]);
});

test('retrain installs only a model at least as good (accuracy, then loss)', () => {
  assert.equal(atLeastAsGood({ accuracy: 0.5, loss: 1 }, null), true);
  assert.equal(atLeastAsGood({ accuracy: 0.9, loss: 1 }, { accuracy: 0.8, loss: 0.1 }), true);
  assert.equal(atLeastAsGood({ accuracy: 0.8, loss: 0.1 }, { accuracy: 0.9, loss: 1 }), false);
  assert.equal(atLeastAsGood({ accuracy: 0.9, loss: 0.2 }, { accuracy: 0.9, loss: 0.2 }), true);
  assert.equal(atLeastAsGood({ accuracy: 0.9, loss: 0.3 }, { accuracy: 0.9, loss: 0.2 }), false);
});

const ex = (cls: string, y: number, file = `${cls}.png`): Example => ({ file, label: cls, cls, y });

test('binary scoring: loss, accuracy, confusion, E and A of the wrong predictions', () => {
  const examples = [ex('cog', 0, 'a'), ex('cog', 0, 'b'), ex('toon', 1, 'c'), ex('toon', 1, 'd')];
  const outputs = [[0.1], [0.7], [0.9], [0.4]];
  const ev = scoreOutputs('binary', ['cog', 'toon'], examples, outputs);
  assert.equal(ev.accuracy, 0.5);
  const expectLoss = -(Math.log(0.9) + Math.log(0.3) + Math.log(0.9) + Math.log(0.4)) / 4;
  assert.ok(Math.abs(ev.loss - expectLoss) < 1e-9);
  assert.deepEqual(ev.confusion, [[1, 1], [1, 1]]);
  assert.deepEqual(ev.wrong.map((w) => w.file), ['b', 'd'], 'ranked by error, highest first');
  assert.ok(Math.abs(ev.wrong[0]!.error - 0.7) < 1e-12);
  assert.equal(ev.wrong[0]!.A, 0.7);
  assert.equal(ev.wrong[0]!.predicted, 'toon');
  assert.equal(ev.perClass.cog!.support, 2);
  assert.equal(ev.perClass.cog!.precision, 0.5);
});

test('multi-class scoring: argmax prediction, E = 1 - P(true class), per-class F1', () => {
  const classes = ['bb', 'lb', 'cb', 'sb'];
  const examples = [ex('bb', 0), ex('lb', 1), ex('cb', 2, 'x'), ex('sb', 3)];
  const outputs = [
    [0.7, 0.1, 0.1, 0.1],
    [0.1, 0.8, 0.05, 0.05],
    [0.6, 0.1, 0.2, 0.1],
    [0.1, 0.1, 0.1, 0.7],
  ];
  const ev = scoreOutputs('suit', classes, examples, outputs);
  assert.equal(ev.accuracy, 0.75);
  assert.equal(ev.confusion[2]![0], 1);
  assert.equal(ev.confusion.flat().reduce((a, b) => a + b, 0), 4);
  assert.equal(ev.wrong.length, 1);
  assert.ok(Math.abs(ev.wrong[0]!.error - 0.8) < 1e-12);
  assert.equal(ev.wrong[0]!.A, 0.6);
  assert.equal(ev.wrong[0]!.predicted, 'bb');
  assert.ok(Math.abs(ev.perClass.bb!.f1 - 2 / 3) < 1e-12, 'bb: precision 1/2, recall 1');
  assert.equal(ev.perClass.cb!.recall, 0);
});

test('augmentation transform: identity, horizontal flip and rotation about the centre', () => {
  const apply = (t: number[], x: number, y: number) => [t[0]! * x + t[1]! * y + t[2]!, t[3]! * x + t[4]! * y + t[5]!];
  const id = transformRow(32, 96, false, 0, 1);
  assert.deepEqual(apply(id, 3, 7), [3, 7]);
  const flip = transformRow(32, 96, true, 0, 1);
  assert.deepEqual(apply(flip, 0, 5), [31, 5]);
  const rot = transformRow(32, 96, false, Math.PI, 1);
  const [cx, cy] = apply(rot, 15.5, 47.5);
  assert.ok(Math.abs(cx! - 15.5) < 1e-9 && Math.abs(cy! - 47.5) < 1e-9, 'the centre stays put');
  const [x0, y0] = apply(rot, 0, 0);
  assert.ok(Math.abs(x0! - 31) < 1e-9 && Math.abs(y0! - 95) < 1e-9, 'half a turn maps a corner to the opposite one');
  const zoom = transformRow(32, 96, false, 0, 1.2);
  const [zx] = apply(zoom, 31, 47.5);
  assert.ok(zx! > 31, 'zoom > 1 samples beyond the edge: zooms out, as Keras');
});

test('stratified re-split: every crop once, each label in train, same seed same split', () => {
  const labels = [...Array(10).fill('cog_sb_coldcaller'), ...Array(5).fill('toon_dog'), 'toon_cat'];
  const a = stratifiedSplit(labels, [0.6, 0.2, 0.2], 3);
  const all = [...a.train, ...a.validate, ...a.test].sort((x, y) => x - y);
  assert.deepEqual(all, labels.map((_, i) => i));
  assert.ok(a.train.some((i) => labels[i] === 'toon_cat'), 'a single crop goes to train');
  assert.equal(a.train.filter((i) => labels[i] === 'cog_sb_coldcaller').length, 6);
  assert.deepEqual(stratifiedSplit(labels, [0.6, 0.2, 0.2], 3), a);
  assert.notDeepEqual(stratifiedSplit(labels, [0.6, 0.2, 0.2], 4), a);
});

test('warm-up then cosine: rises linearly, peaks at the base rate, ends at 5% of it', () => {
  assert.equal(warmupSteps(100), 5);
  assert.equal(warmupSteps(10_000), 30);
  assert.equal(warmupSteps(3), 1);
  assert.ok(Math.abs(warmupCosine(1e-3, 0, 5, 0) - 2e-4) < 1e-15, 'first warm-up step is base/warmup');
  assert.ok(Math.abs(warmupCosine(1e-3, 5, 5, 0) - 1e-3) < 1e-15, 'after warm-up, progress 0 gives the base rate');
  assert.ok(Math.abs(warmupCosine(1e-3, 50, 5, 0.5) - 1e-3 * (0.05 + 0.95 * 0.5)) < 1e-15);
  assert.ok(Math.abs(warmupCosine(1e-3, 99, 5, 1) - 5e-5) < 1e-15);
  assert.ok(Math.abs(warmupCosine(1e-3, 99, 5, 3) - 5e-5) < 1e-15, 'progress past 1 is clamped');
  let prev = Infinity;
  for (let s = 5; s <= 100; s++) {
    const lr = warmupCosine(1e-3, s, 5, s / 100);
    assert.ok(lr <= prev, `non-increasing after warm-up (step ${s})`);
    prev = lr;
  }
});

test('the fast preset\'s default epochs follow the training set: a step budget per task, within 4-60 epochs', () => {
  assert.equal(fastEpochs('binary', 7297), 5, '1,200 steps of 229 batches');
  assert.equal(fastEpochs('name', 3650), 25);
  assert.equal(fastEpochs('animal', 1723), 54);
  assert.equal(fastEpochs('name', 100), 60, 'a tiny capture session is capped at 60 epochs');
  assert.equal(fastEpochs('binary', 1_000_000), 4, 'a huge set still gets 4 epochs');
  assert.equal(trainConfig('name', 'fast', false, { trainCrops: 3650, epochs: 7 }).epochs, 7, '--epochs wins');
  assert.equal(trainConfig('binary', 'seed', false, { trainCrops: 3650 }).epochs, 25, 'the article preset keeps its 25 epochs');
});

test('Keras legacy decay, balanced class weights, baseline switches the three optimizations off', () => {
  assert.equal(decayedRate(1e-3, 1e-3, 0), 1e-3);
  assert.ok(Math.abs(decayedRate(1e-3, 1e-3, 1000) - 5e-4) < 1e-15);
  const w = balancedWeights([0, 1, 2, 3], [0, 0, 0, 1], 2);
  assert.ok(Math.abs(w[0]! - 4 / 6) < 1e-12 && w[1] === 2);
  const opt = trainConfig('binary', 'seed', false);
  assert.equal(opt.dropout, 0.9);
  assert.equal(opt.decay, 1e-5);
  assert.equal(opt.augment.rotation, 0.075);
  assert.equal(opt.augment.zoom, 0.2);
  assert.equal(opt.schedule, 'time');
  const fast = trainConfig('name', 'fast', false, { trainCrops: 3650 });
  assert.equal(fast.schedule, 'cosine');
  assert.equal(fast.epochs, 25, '2,900 steps of 115 batches');
  assert.equal(fast.dropout, 0.25);
  assert.equal(fast.augment.rotation, 0, 'fast: no rotation for fine-grained classes');
  assert.equal(fast.augment.flip, true);
  assert.deepEqual(fast.inputShape, [96, 48, 3]);
  const base = trainConfig('binary', 'seed', true);
  assert.equal(base.dropout, 0);
  assert.equal(base.decay, 0);
  assert.equal(base.augment.flip, false);
  assert.equal(median([3, 1, 2, 10]), 2.5);
});
