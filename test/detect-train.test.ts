// Training a tiny detector on coloured-shape scenes (loss drops), the model folder round trip, and
// loadDetector's errors for bad folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initEngine, tf } from '../src/engine/index.ts';
import { DETECTOR_CLASSES, DEFAULT_DECODE, loadDetector, makeDetector, OUT_CHANNELS, wrapDetector, type DetectorMetadata } from '../src/detect/index.ts';
import { trainDetector } from '../src/train/detector.ts';
import { saveModelFolder, STANDARD_PREPROCESSING } from '../src/model/folder.ts';
import { tempDir } from './helpers.ts';
import { toyScenes } from './detect-helpers.ts';

function tinyMetadata(inputShape: [number, number, number]): DetectorMetadata {
  return {
    task: 'detector',
    classes: [...DETECTOR_CLASSES],
    inputShape,
    preprocessing: STANDARD_PREPROCESSING,
    backend: 'test',
    createdAt: new Date().toISOString(),
    metrics: {},
    detector: { kind: 'centernet', stride: 4, outChannels: OUT_CHANNELS, layout: [], decode: DEFAULT_DECODE },
  };
}

test('a tiny detector trains on a few small scenes: its loss drops and the folder loads back', async () => {
  await initEngine();
  const { dir, cleanup } = await tempDir('toonvision-detect-');
  try {
    const before = tf.memory().numTensors;
    const out = path.join(dir, 'det');
    const res = await trainDetector({
      scenes: toyScenes(1, 8, 80, 64),
      evalScenes: toyScenes(2, 3, 80, 64),
      inputShape: [64, 80, 3],
      trainCrop: [64, 80],
      width: 4,
      batchSize: 4,
      epochs: 12,
      learningRate: 1e-2,
      augment: false,
      seed: 3,
      out,
      json: true,
    });
    assert.equal(res.steps, 24);
    const losses = res.history.map((h) => h.loss);
    const first = (losses[0]! + losses[1]!) / 2;
    const last = (losses.at(-1)! + losses.at(-2)!) / 2;
    assert.ok(last < first * 0.85, `loss should drop: ${losses.map((l) => l.toFixed(2)).join(' ')}`);
    assert.equal(typeof res.mAP50, 'number');
    assert.equal(res.evalScenes, 3);
    assert.equal(tf.memory().numTensors, before, 'training leaves no tensors behind');

    const meta = JSON.parse(await readFile(path.join(out, 'metadata.json'), 'utf8'));
    assert.equal(meta.task, 'detector');
    assert.deepEqual(meta.classes, ['cog', 'toon']);
    assert.deepEqual(meta.inputShape, [64, 80, 3]);
    assert.equal(meta.detector.stride, 4);
    assert.equal(typeof meta.detector.decode.threshold, 'number');
    assert.ok(JSON.parse(await readFile(path.join(out, 'history.json'), 'utf8')).history.length === 24);

    const det = await loadDetector(out);
    const img = toyScenes(5, 1, 120, 90)[0]!.image;
    const found = await det.detect(img, { threshold: 0 });
    assert.ok(found.length > 0 && found.length <= DEFAULT_DECODE.topK);
    for (const d of found) {
      assert.ok(DETECTOR_CLASSES.includes(d.label));
      assert.ok(d.score >= 0 && d.score <= 1);
      assert.ok(d.bbox[0] >= 0 && d.bbox[1] >= 0 && d.bbox[0] + d.bbox[2] <= 120 + 1e-6 && d.bbox[1] + d.bbox[3] <= 90 + 1e-6);
    }
    const n = tf.memory().numTensors;
    await det.detect(img);
    assert.equal(tf.memory().numTensors, n, 'detect disposes its tensors');
    det.dispose();

    // A warm start from the saved detector begins where the first run ended, not at the start.
    const warm = await trainDetector({
      scenes: toyScenes(1, 8, 80, 64),
      inputShape: [64, 80, 3],
      trainCrop: [64, 80],
      width: 4,
      batchSize: 4,
      epochs: 1,
      learningRate: 1e-4,
      augment: false,
      seed: 3,
      initFrom: out,
      json: true,
    });
    assert.ok(warm.firstLoss < first * 0.85, `warm start loss ${warm.firstLoss} vs cold ${first}`);
  } finally {
    await cleanup();
  }
});

test('model folder round trip: a saved detector gives the same boxes after loading', async () => {
  await initEngine();
  const { dir, cleanup } = await tempDir('toonvision-detect-');
  try {
    const model = makeDetector({ inputShape: [48, 64, 3], stride: 4, width: 4 }, 9);
    const meta = tinyMetadata([48, 64, 3]);
    const mem = wrapDetector(model, meta);
    await saveModelFolder(dir, model, meta);
    const loaded = await loadDetector(dir);
    const img = toyScenes(7, 1, 160, 120)[0]!.image;
    const a = await mem.detect(img, { threshold: 0, nmsIou: 1 });
    const b = await loaded.detect(img, { threshold: 0, nmsIou: 1 });
    assert.ok(a.length > 0);
    // The loaded detector runs on ONNX Runtime where it loads: the same boxes, to float rounding.
    assert.equal(b.length, a.length);
    b.forEach((d, i) => {
      assert.equal(d.label, a[i]!.label);
      assert.ok(Math.abs(d.score - a[i]!.score) < 1e-5, `score ${d.score} vs ${a[i]!.score}`);
      d.bbox.forEach((v, k) => assert.ok(Math.abs(v - a[i]!.bbox[k]!) < 1e-3, `bbox ${d.bbox} vs ${a[i]!.bbox}`));
    });
    assert.deepEqual(loaded.metadata.inputShape, [48, 64, 3]);
    mem.dispose();
    loaded.dispose();
  } finally {
    await cleanup();
  }
});

test('loadDetector: a missing folder, a classifier folder and a broken detector section each give one clear error', async () => {
  await initEngine();
  const { dir, cleanup } = await tempDir('toonvision-detect-');
  try {
    await assert.rejects(loadDetector(path.join(dir, 'nope')), /nope: model folder does not exist/);
    const cls = path.join(dir, 'binary');
    await mkdir(cls);
    await writeFile(path.join(cls, 'metadata.json'), JSON.stringify({ task: 'binary', classes: ['cog', 'toon'], inputShape: [96, 32, 3] }));
    await assert.rejects(loadDetector(cls), /binary: model is for task 'binary', not 'detector'/);
    const broken = path.join(dir, 'broken');
    const model = makeDetector({ inputShape: [32, 32, 3], stride: 4, width: 4 });
    const meta = tinyMetadata([32, 32, 3]);
    await saveModelFolder(broken, model, { ...meta, detector: undefined } as unknown as DetectorMetadata);
    model.dispose();
    await assert.rejects(loadDetector(broken), /broken: metadata.json has no valid 'detector' section/);
  } finally {
    await cleanup();
  }
});
