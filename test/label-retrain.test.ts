// The retrain button's job: its progress read from the lines `toonvision retrain` writes (produced here
// by the trainer's own formatter, train/progress.ts, so a change of that format fails this test), one
// run at a time, and a run stopped midway (the agent stopping) leaving nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { layout } from '../src/dataset/layout.ts';
import { parseProgressLine, RetrainJob } from '../src/label/retrain-job.ts';
import { epochLine } from '../src/train/progress.ts';
import { writeScene } from './agent-helpers.ts';
import { tempDir, tinyRetrainArgs, until } from './helpers.ts';

test('task and epoch lines give the task, the epoch and the time left for the task', () => {
  assert.deepEqual(parseProgressLine('retraining animal'), { task: 'animal' });
  const line = epochLine({ epoch: 3, loss: 0.51, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.7, lr: 1e-3, seconds: 2.5 }, 10);
  assert.deepEqual(parseProgressLine(line), { epoch: 3, epochs: 10, secondsLeft: 18 });
  const noVal = epochLine({ epoch: 9, loss: 0.2, accuracy: 0.9, lr: 1e-4, seconds: 4 }, 10);
  assert.deepEqual(parseProgressLine(noVal), { epoch: 9, epochs: 10, secondsLeft: 4 });
  // The detector's line counts seconds since its start, and it stops at its time budget.
  assert.deepEqual(parseProgressLine('  epoch 5/45: loss 0.123 (50 s)', 300), { epoch: 5, epochs: 45, secondsLeft: 250 });
  assert.deepEqual(parseProgressLine('  epoch 40/45: loss 0.050 (200 s)', 300), { epoch: 40, epochs: 45, secondsLeft: 25 });
  assert.equal(parseProgressLine('  split: 10 train, 3 validate, 3 test crops (seed 1)'), null);
  assert.equal(parseProgressLine('  binary: new 91.00% loss 0.2, installed none -> installed models/binary (no model installed)'), null);
});

test('a retrain stopped midway (the agent is stopping) leaves no model folder behind', async () => {
  const { dir, cleanup } = await tempDir('toonvision-retrain-stop-');
  try {
    const shots = layout(dir).screenshots;
    await mkdir(shots, { recursive: true });
    for (let i = 0; i < 14; i++) await writeScene(shots, `s${i}`, { width: 320, height: 240 }, 21 + i);
    const models = path.join(dir, 'models');
    const job = new RetrainJob({ root: dir, models, tasks: ['binary'], epochs: 200, seed: 1, extraArgs: tinyRetrainArgs() });
    job.start();
    assert.throws(() => job.start(), /a retrain is already running/);
    await until(() => job.current().log.some((l) => /epoch 1\/200/.test(l)), 60_000, 'the first epoch');
    await job.stop(5000);
    const s = job.current();
    assert.equal(s.state, 'failed');
    assert.match(s.error ?? '', /stopped by SIGTERM/);
    assert.equal(job.running, false);
    assert.deepEqual(await readdir(models), [], 'no installed, staged or candidate folder');
  } finally {
    await cleanup();
  }
});
