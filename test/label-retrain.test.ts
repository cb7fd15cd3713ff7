// The retrain button's job: its progress read from the JSON lines `toonvision retrain --progress-json`
// writes (produced here by the trainer's own reporter, train/progress.ts, so a change of that shape
// fails this test), one run at a time, and a run stopped midway (the agent stopping) leaving nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { layout } from '../src/dataset/layout.ts';
import { applyProgress, readProgressLine, RetrainJob, type RetrainStatus } from '../src/label/retrain-job.ts';
import { detectorEpochEvent, jsonProgress } from '../src/train/progress.ts';
import { writeScene } from './agent-helpers.ts';
import { tempDir, tinyRetrainArgs, until } from './helpers.ts';

test('progress events give the phase, the task, the epoch and the time left for the task', () => {
  const lines: string[] = [];
  const p = jsonProgress({ write: (s: string) => lines.push(...s.split('\n').filter(Boolean)) });
  const status: RetrainStatus = { state: 'running', log: [] };
  const feed = () => {
    for (const l of lines.splice(0)) {
      const e = readProgressLine(l);
      assert.ok(e, `a progress event: ${l}`);
      applyProgress(status, e);
    }
  };
  p.event({ phase: 'extract', message: 'extracting new screenshots in captures' });
  p.line('  3 screenshots, 12 crops');
  feed();
  assert.equal(status.phase, 'extract');
  assert.equal(status.task, undefined);
  p.event({ phase: 'train', task: 'animal', message: 'retraining animal' });
  p.line('loading 40 crops'); // a log line inside a task keeps its task
  p.onEpoch!({ epoch: 3, loss: 0.51, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.7, lr: 1e-3, seconds: 2.5 }, 10);
  const epochLine = JSON.parse(lines.at(-1)!);
  assert.deepEqual(
    { phase: epochLine.phase, task: epochLine.task, epoch: epochLine.epoch, epochs: epochLine.epochs, secondsLeft: epochLine.secondsLeft },
    { phase: 'train', task: 'animal', epoch: 3, epochs: 10, secondsLeft: 18 },
  );
  assert.match(epochLine.message, /^epoch 3\/10 loss 0\.5100 acc 0\.8000 val_loss 0\.6000/);
  feed();
  assert.deepEqual([status.phase, status.task, status.epoch, status.epochs, status.secondsLeft], ['train', 'animal', 3, 10, 18]);
  p.onBatch!({ epoch: 3, epochs: 10, batch: 4, batches: 9, loss: 0.5, accuracy: 0.8 });
  feed();
  assert.deepEqual([status.epoch, status.step, status.total], [4, 5, 9], 'a batch event: batches done in the running epoch');
  // The next task starts from no epoch; the detector's seconds count from its start, and it stops at its time budget.
  p.event({ phase: 'train', task: 'detector', message: 'retraining detector' });
  feed();
  assert.deepEqual([status.task, status.epoch, status.secondsLeft], ['detector', undefined, undefined]);
  p.event(detectorEpochEvent({ epoch: 5, epochs: 45, loss: 0.123, seconds: 50, maxSeconds: 300 }));
  feed();
  assert.deepEqual([status.epoch, status.epochs, status.secondsLeft], [5, 45, 250]);
  p.event(detectorEpochEvent({ epoch: 40, epochs: 45, loss: 0.05, seconds: 200, maxSeconds: 300 }));
  feed();
  assert.equal(status.secondsLeft, 25);
  p.event({ phase: 'outcome', task: 'detector', installed: true, message: '  detector: installed' });
  assert.equal(JSON.parse(lines.at(-1)!).installed, true);
  feed();
  assert.deepEqual([status.phase, status.secondsLeft], ['outcome', undefined]);
  // Anything else on stderr is a plain log line, not progress.
  assert.equal(readProgressLine('toonvision: retrain: binary: training failed'), null);
  assert.equal(readProgressLine('{"not":"progress"}'), null);
  assert.equal(readProgressLine('{broken'), null);
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
    const running = job.current();
    assert.deepEqual([running.state, running.phase, running.task, running.epochs], ['running', 'train', 'binary', 200]);
    assert.ok((running.epoch ?? 0) >= 1 && (running.secondsLeft ?? -1) >= 0, JSON.stringify(running));
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
