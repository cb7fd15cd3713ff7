// `toonvision bench train|infer|live|frames`: JSON shape only (speed targets live in the benchmark, not in tests).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, runCli } from './helpers.ts';
import { PRESET_INPUT } from '../src/model/architectures.ts';
import { defaultOrtThreads } from '../src/engine/onnx.ts';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import sharp from 'sharp';
import { existsSync } from 'node:fs';
import os from 'node:os';

/** The CLI in a child process, on WASM unless the environment says otherwise. */
const run = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { env: { ...process.env, TOONVISION_BACKEND: process.env.TOONVISION_BACKEND || 'wasm', ...env } });
const ortSkip = existsSync(path.join(ROOT, 'node_modules', 'onnxruntime-node')) ? false : 'needs onnxruntime-node (optional dependency, not installed)';

describe('bench commands', { concurrency: true }, () => {
  test('bench train --json reports throughput, backend and the slowest kernels', async () => {
    const r = await run(['bench', 'train', '--arch', 'fast', '--batch', '4', '--steps', '1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1, 'exactly one JSON document on stdout');
    const j = JSON.parse(lines[0]!);
    assert.equal(j.arch, 'fast');
    assert.deepEqual(j.inputShape, PRESET_INPUT.fast);
    assert.equal(j.batch, 4);
    assert.equal(typeof j.backend, 'string');
    assert.ok(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].includes(j.backend));
    assert.ok(typeof j.imagesPerSecond === 'number' && j.imagesPerSecond > 0, `imagesPerSecond ${j.imagesPerSecond}`);
    assert.equal(typeof j.topKernelsMs, 'object');
    assert.ok(Object.keys(j.topKernelsMs).length > 0);
    for (const v of Object.values(j.topKernelsMs)) assert.equal(typeof v, 'number');
  });

  test('bench infer --json reports ms per crop and per batch of 32 (seed arch)', async () => {
    const r = await run(['bench', 'infer', '--runs', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(typeof j.backend, 'string');
    assert.ok(typeof j.msPerCrop === 'number' && j.msPerCrop > 0);
    assert.ok(typeof j.msPerBatch32 === 'number' && j.msPerBatch32 >= j.msPerCrop, `batch ${j.msPerBatch32} vs crop ${j.msPerCrop}`);
    assert.deepEqual(j.inputShape, PRESET_INPUT.seed);
  });

  test('TOONVISION_WASM_THREADS=2 loads the threaded WASM build, and the process still exits', async () => {
    const r = await run(['bench', 'infer', '--arch', 'fast', '--runs', '2', '--runtime', 'tfjs', '--json'], { TOONVISION_BACKEND: 'wasm', TOONVISION_WASM_THREADS: '2' });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.backend, 'wasm');
    assert.equal(j.threads, 2, r.stderr);
    assert.ok(j.msPerCrop > 0);
  });

  test('bench infer --runtime onnxruntime|tfjs reports the runtime it measured; ONNX Runtime takes --threads', { skip: ortSkip }, async () => {
    const [ort, ort2, tfjs] = await Promise.all([
      run(['bench', 'infer', '--arch', 'fast', '--runs', '2', '--runtime', 'onnxruntime', '--json']),
      run(['bench', 'infer', '--arch', 'fast', '--runs', '2', '--runtime', 'onnxruntime', '--threads', '2', '--json']),
      run(['bench', 'infer', '--arch', 'fast', '--runs', '2', '--runtime', 'tfjs', '--json']),
    ]);
    for (const r of [ort, ort2, tfjs]) assert.equal(r.code, 0, r.stderr);
    const [a, b, c] = [ort, ort2, tfjs].map((r) => JSON.parse(r.stdout));
    assert.equal(a.runtime, 'onnxruntime');
    assert.equal(a.threads, defaultOrtThreads(), 'one core in four, at least 1');
    assert.equal(b.threads, 2);
    assert.equal(c.runtime, 'tfjs');
    for (const j of [a, b, c]) assert.ok(j.msPerCrop > 0 && j.msPerBatch32 > 0 && j.cpuMsPerCrop > 0, JSON.stringify(j));
  });

  test('bench live --runtime R reports cpuMsPerFrame for each runtime', { skip: ortSkip }, async () => {
    for (const runtime of ['onnxruntime', 'tfjs']) {
      const r = await run(['bench', 'live', '--source', 'demo', '--seconds', '1', '--warmup', '0.5', '--runtime', runtime, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.equal(j.runtime, runtime);
      assert.ok(j.frames > 0 && j.cpuMsPerFrame > 0, JSON.stringify(j));
    }
  });

  test('bench with a bad --runtime is bad usage (exit 2)', async () => {
    const r = await run(['bench', 'infer', '--runtime', 'cuda', '--json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--runtime/);
  });

  test('bench with a bad --arch or --steps is bad usage (exit 2)', async () => {
    const a = await run(['bench', 'train', '--arch', 'resnet', '--json']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /resnet/);
    assert.equal(a.stdout, '');
    const b = await run(['bench', 'train', '--steps', '0', '--json']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--steps/);
  });

  test('bench accuracy --json trains on one seed, tests on another, and reuses its --work data roots', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'tv-bench-acc-'));
    try {
      const args = ['bench', 'accuracy', '--tasks', 'binary', '--train-scenes', '10', '--test-scenes', '3', '--epochs', '1', '--work', work, '--json'];
      const a = await run(args);
      assert.equal(a.code, 0, a.stderr);
      const j = JSON.parse(a.stdout);
      assert.equal(j.preset, 'fast');
      assert.deepEqual([j.train.scenes, j.train.seed, j.test.scenes, j.test.seed], [10, 101, 3, 777]);
      assert.ok(j.train.crops > 0 && j.test.crops > 0);
      assert.equal(j.budgetSeconds, 900);
      assert.equal(j.tasks.length, 1);
      const t = j.tasks[0];
      assert.equal(t.task, 'binary');
      assert.equal(t.epochs, 1);
      assert.equal(t.testCrops, j.test.crops, 'binary is tested on every crop of the test scenes');
      assert.ok(t.trainCrops > 0 && t.trainSeconds > 0);
      assert.ok(t.accuracy >= 0 && t.accuracy <= 1);
      assert.equal(t.target, 0.995);
      assert.equal(t.met, t.accuracy >= 0.995);
      assert.ok(existsSync(path.join(work, 'models', 'binary', 'model.json')), 'the model is kept in --work');
      const b = await run(args);
      assert.equal(b.code, 0, b.stderr);
      assert.match(b.stderr, /reusing .*train-seed101-10/);
      assert.match(b.stderr, /reusing .*test-seed777-3/);
      assert.equal(JSON.parse(b.stdout).test.crops, j.test.crops);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  test('bench accuracy refuses a test seed equal to the training seed (exit 2)', async () => {
    const r = await run(['bench', 'accuracy', '--train-seed', '5', '--test-seed', '5', '--json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--test-seed must differ/);
    assert.equal(r.stdout, '');
  });
});

// Its own suite, after the concurrent one: four more CLI runs at once would only slow the others down.
describe('bench frames and bench capture', () => {
  test('bench frames writes a folder of moving frames at the asked size, bench capture measures them; a bad --size is bad usage', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tv-bench-frames-'));
    try {
      const from = path.join(dir, 'shot.png');
      const w = 120;
      const h = 90;
      await sharp(Buffer.from(Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 13 + (i % 7) * 40) % 256)), { raw: { width: w, height: h, channels: 3 } }).png().toFile(from);
      const out = path.join(dir, 'frames');
      const r = await run(['bench', 'frames', '--from', from, '--out', out, '--size', '64x36', '--frames', '4', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.deepEqual([j.frames, j.width, j.height, j.source.width, j.source.height], [4, 64, 36, w, h]);
      assert.ok(j.panPerFrame > 0);
      const files = (await readdir(out)).sort();
      assert.deepEqual(files, ['frame-0001.png', 'frame-0002.png', 'frame-0003.png', 'frame-0004.png']);
      const pixels = await Promise.all(files.map((f) => sharp(path.join(out, f)).raw().toBuffer({ resolveWithObject: true })));
      for (const p of pixels) assert.deepEqual([p.info.width, p.info.height, p.info.channels], [64, 36, 3]);
      for (let k = 1; k < pixels.length; k++) assert.ok(!pixels[k]!.data.equals(pixels[k - 1]!.data), `frame ${k + 1} moved`);
      // bench capture measures the capture stage on any source, here the folder just written.
      const cap = await run(['bench', 'capture', '--source', `folder:${out}`, '--frames', '2', '--json']);
      assert.equal(cap.code, 0, cap.stderr);
      const c = JSON.parse(cap.stdout);
      assert.deepEqual([c.frames, c.width, c.height, c.inputSize], [2, 64, 36, 416]);
      for (const k of ['grab', 'rgbaToRgb', 'letterbox']) assert.ok(c.ms[k] >= 0 && c.cpuMs[k] >= 0, JSON.stringify(c));
      const bad = await run(['bench', 'frames', '--from', from, '--out', out, '--size', '64by36']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--size/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
