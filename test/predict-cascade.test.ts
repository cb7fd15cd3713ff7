// The per-frame cascade on real model folders (the fast architectures, random weights): every box gets
// Cog/Toon from binary, then suit + name that agree for Cogs or an animal for Toons; no tensor leaks.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { classifyDetections, fineLabel, bboxToBox, type LiveDetection } from '../src/predict/cascade.ts';
import { TrackedLabels } from '../src/predict/tracked.ts';
import { ModelSet } from '../src/predict/models.ts';
import { saveCapture } from '../src/agent/screenshot.ts';
import { readVoc } from '../src/dataset/voc.ts';
import { initEngine, tf } from '../src/engine/index.ts';
import { imageSize } from '../src/image.ts';
import { makeClassifier } from '../src/model/architectures.ts';
import { saveModelFolder, STANDARD_PREPROCESSING } from '../src/model/folder.ts';
import { parseLabel, suitOfCog, TASK_CLASSES, type ClassifierTask } from '../src/taxonomy.ts';
import { tempDir } from './helpers.ts';
import { writeScene } from './agent-helpers.ts';

describe('cascade', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let models: ModelSet;
  before(async () => {
    ({ dir, cleanup } = await tempDir('toonvision-cascade-'));
    const e = await initEngine();
    for (const task of ['binary', 'suit', 'name', 'animal'] as ClassifierTask[]) {
      const m = makeClassifier({ task, preset: 'fast', dropout: 0, inputShape: [48, 16, 3] });
      await saveModelFolder(path.join(dir, 'models', task), m, {
        task, classes: [...TASK_CLASSES[task]], inputShape: [48, 16, 3], preprocessing: STANDARD_PREPROCESSING,
        backend: e.backend, createdAt: new Date().toISOString(), metrics: {}, preset: 'fast',
      });
      m.dispose();
    }
    models = new ModelSet({ dir: path.join(dir, 'models'), watch: false, packageDemo: false });
    await models.loadAll();
  });
  after(async () => {
    await models.close();
    await cleanup();
  });

  it('clips boxes to the image and drops empty ones', () => {
    assert.deepEqual(bboxToBox([-5.5, 10.2, 20, 30], 100, 100), { xmin: 0, ymin: 10, xmax: 15, ymax: 41 });
    assert.equal(bboxToBox([99, 0, 10, 10], 100, 100), undefined);
  });

  it('labels every detection with agreeing fine labels, one batch per model, no tensor left behind', async () => {
    const scene = await writeScene(dir, 'scene', { width: 320, height: 240 }, 9);
    const dets: LiveDetection[] = scene.objects.map((o) => ({
      bbox: [o.box.xmin, o.box.ymin, o.box.xmax - o.box.xmin, o.box.ymax - o.box.ymin],
      label: parseLabel(o.label).kind,
      score: 0.9,
    }));
    dets.push({ bbox: [400, 400, 5, 5], label: 'cog', score: 0.5 }); // outside: passed through untouched
    const before = tf.memory().numTensors;
    const out = await classifyDetections(scene.image, dets, {
      binary: models.classifier('binary'), suit: models.classifier('suit'), name: models.classifier('name'), animal: models.classifier('animal'),
    });
    assert.equal(tf.memory().numTensors, before, 'tensors disposed');
    assert.equal(out.length, dets.length);
    for (const d of out.slice(0, -1)) {
      assert.ok(typeof d.kindScore === 'number' && d.kindScore >= 0.5 && d.kindScore <= 1);
      if (d.label === 'cog') {
        assert.ok(d.name && d.suit, 'a Cog gets suit and name');
        assert.equal(suitOfCog(d.name!), d.suit, 'suit and name agree');
        assert.equal(d.animal, undefined);
      } else {
        assert.ok(d.animal, 'a Toon gets an animal');
        assert.equal(d.suit, undefined);
      }
      assert.ok(d.fineScore! > 0 && d.fineScore! <= 1);
      assert.doesNotThrow(() => parseLabel(fineLabel(d)));
    }
    assert.deepEqual(out.at(-1), dets.at(-1));
    // The capture of these detections: PNG + labelImg VOC with the fine labels.
    const saved = await saveCapture(path.join(dir, 'captures'), scene.image, out, new Date(Date.UTC(2026, 10, 28, 12, 0, 0)));
    assert.equal(path.basename(saved.file), '2026-11-28T12-00-00-000Z.png');
    assert.deepEqual(await imageSize(saved.file), { width: 320, height: 240 });
    const voc = await readVoc(saved.xml);
    assert.equal(voc.filename, path.basename(saved.file));
    assert.deepEqual(voc.objects.map((o) => o.name), out.slice(0, -1).map(fineLabel));
    const again = await saveCapture(path.join(dir, 'captures'), scene.image, out, new Date(Date.UTC(2026, 10, 28, 12, 0, 0)));
    assert.notEqual(again.file, saved.file, 'never overwrites');
  });

  it('keeps each tracked character\'s fine labels, computes them again after refreshFrames or when the character is new', async () => {
    const scene = await writeScene(dir, 'still', { width: 320, height: 240 }, 11);
    const dets: LiveDetection[] = scene.objects.map((o) => ({
      bbox: [o.box.xmin, o.box.ymin, o.box.xmax - o.box.xmin, o.box.ymax - o.box.ymin],
      label: parseLabel(o.label).kind,
      score: 0.9,
    }));
    const m = { binary: models.classifier('binary'), suit: models.classifier('suit'), name: models.classifier('name'), animal: models.classifier('animal') };
    const tracked = new TrackedLabels({ refreshFrames: 2, unsureScore: 0 });
    const f1 = await tracked.classify(scene.image, dets, m);
    assert.equal(f1.reused, 0);
    const ids = f1.detections.map((d) => d.track);
    assert.equal(new Set(ids).size, dets.length, 'one track per character');
    const f2 = await tracked.classify(scene.image, dets, m);
    assert.equal(f2.reused, dets.length);
    assert.deepEqual(f2.detections, f1.detections, 'same labels and track ids carried');
    assert.equal((await tracked.classify(scene.image, dets, m)).reused, dets.length);
    assert.equal((await tracked.classify(scene.image, dets, m)).reused, 0, 'classified again after refreshFrames frames');
    const moved = dets.map((d, i) => (i === 0 ? { ...d, bbox: [d.bbox[0] + d.bbox[2] * 1.5, d.bbox[1], d.bbox[2], d.bbox[3]] as LiveDetection['bbox'] } : d));
    const f5 = await tracked.classify(scene.image, moved, m);
    assert.equal(f5.reused, dets.length - 1, 'a box that jumped away is a new character, classified afresh');
    assert.notEqual(f5.detections[0]!.track, ids[0], 'with a new track id');
    assert.deepEqual(f5.detections.slice(1).map((d) => d.track), ids.slice(1), 'the others keep theirs');
    assert.equal((await new TrackedLabels({ refreshFrames: 0 }).classify(scene.image, dets, m)).reused, 0);
  });
});
