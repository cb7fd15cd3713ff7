// The per-frame Pipeline with the shipped real-game detector: the detector runs on every 2nd frame,
// the tracker carries the characters (same ids, labels) in between; a fresh run can be asked for.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CapturedFrame } from '../src/capture/index.ts';
import { readImage, type RgbImage } from '../src/image.ts';
import { ModelSet } from '../src/predict/models.ts';
import { Pipeline } from '../src/predict/pipeline.ts';
import { needFixtures, REAL, tempDir } from './helpers.ts';

function frameOf(image: RgbImage): CapturedFrame {
  const t = performance.now();
  return { image, capturedAt: Date.now(), startedAt: t, captureMs: 0, window: { x: 0, y: 0, width: image.width, height: image.height, scaleFactor: 1 }, source: 'folder' };
}

describe('Pipeline with the real-game detector', { skip: needFixtures() }, () => {
  let models: ModelSet;
  let image: RgbImage;
  let cleanup: () => Promise<void>;
  before(async () => {
    const t = await tempDir('toonvision-pipeline-');
    cleanup = t.cleanup;
    // An empty player folder: the shipped models (NanoDet and the classifiers) serve every task.
    models = new ModelSet({ dir: path.join(t.dir, 'models'), watch: false });
    await models.loadAll();
    image = await readImage(path.join(REAL, 'sample_img0.png'));
  });
  after(async () => {
    await models.close();
    await cleanup();
  });

  it('detects on every 2nd frame and carries the tracked characters in between', async () => {
    assert.equal(models.detector()?.metadata.detector.kind, 'nanodet');
    const p = new Pipeline(models);
    const f1 = await p.process(frameOf(image));
    assert.equal(f1.detector, 'model');
    assert.ok(f1.detections.length >= 2, `found ${f1.detections.length} characters`);
    const f2 = await p.process(frameOf(image));
    assert.equal(f2.detector, 'tracked', 'the 2nd frame is carried by the tracker');
    assert.deepEqual(f2.detections.map((d) => d.track), f1.detections.map((d) => d.track), 'same characters, same ids');
    assert.deepEqual(f2.detections.map((d) => [d.label, d.name, d.animal]), f1.detections.map((d) => [d.label, d.name, d.animal]), 'same labels');
    f2.detections.forEach((d, i) => d.bbox.forEach((v, k) => assert.ok(Math.abs(v - f1.detections[i]!.bbox[k]!) <= 1, 'a still character stays put')));
    assert.equal((await p.process(frameOf(image))).detector, 'model', 'the 3rd frame is detected');
    assert.equal((await p.process(frameOf(image), { fresh: true })).detector, 'model', 'fresh: detected whatever the cadence');
    const every = new Pipeline(models, { detectEvery: 1 });
    for (let i = 0; i < 3; i++) assert.equal((await every.process(frameOf(image))).detector, 'model');
    const files = new Pipeline(models, { track: false });
    await files.process(frameOf(image));
    const g2 = await files.process(frameOf(image));
    assert.equal(g2.detector, 'model', 'without tracking every frame is detected');
    assert.ok(g2.detections.every((d) => d.track === undefined), 'and carries no track ids');
  });
});
