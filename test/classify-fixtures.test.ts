// The article's own Keras models, imported and run on the real fixture crops, reproduce the
// reference outputs of ../shared/fixtures/README.md within 1e-3; the classify CLI prints them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initEngine, tf } from '../src/engine/index.ts';
import { readImage } from '../src/image.ts';
import type { RgbImage } from '../src/image.ts';
import { classifyCrops } from '../src/model/classify.ts';
import type { LoadedModel } from '../src/model/folder.ts';
import { loadModelFolder } from '../src/model/folder.ts';
import { importKeras } from '../src/model/keras.ts';
import { REAL, SEED_MODELS, needFixtures, tempDir } from './helpers.ts';
import { REFERENCE, SEED_MODEL_TASKS, runCli } from './keras-helpers.ts';

const skip = needFixtures() || (existsSync(SEED_MODELS) ? false : `needs the seed models at ${SEED_MODELS} (not found)`);
const TOL = 1e-3;

describe('classify with the imported seed models', { skip }, () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  const loaded = new Map<string, LoadedModel>();
  const images = new Map<string, RgbImage>();

  before(async () => {
    await initEngine();
    tmp = await tempDir('toonvision-classify-');
    for (const [name, task] of Object.entries(SEED_MODEL_TASKS)) {
      const out = path.join(tmp.dir, name);
      await importKeras(path.join(SEED_MODELS, `${name}.keras`), task, out);
      loaded.set(name, await loadModelFolder(out, task));
    }
    for (const image of new Set(REFERENCE.map((r) => r.image))) images.set(image, await readImage(path.join(REAL, image)));
  });

  after(async () => {
    for (const m of loaded.values()) m.model.dispose();
    await tmp?.cleanup();
  });

  /** Max abs deviation from the README's table over every crop the model has a reference for. */
  async function deviation(name: 'binary_toon_cog' | 'suit_tuned' | 'suit_small'): Promise<{ max: number; labels: string[] }> {
    const model = loaded.get(name)!;
    let max = 0;
    const labels: string[] = [];
    for (const ref of REFERENCE) {
      const expected = name === 'binary_toon_cog' ? [ref.binary] : ref[name];
      if (!expected) continue;
      const [xmin, ymin, xmax, ymax] = ref.box;
      const [c] = await classifyCrops(model, images.get(ref.image)!, [{ xmin, ymin, xmax, ymax }]);
      assert.equal(c!.output.length, expected.length);
      c!.output.forEach((v, i) => (max = Math.max(max, Math.abs(v - expected[i]!))));
      labels.push(c!.label);
    }
    return { max, labels };
  }

  test('binary_toon_cog reproduces the reference within 1e-3, and calls the dog a toon', async () => {
    const { max, labels } = await deviation('binary_toon_cog');
    process.stderr.write(`# binary_toon_cog max abs deviation ${max.toExponential(2)}\n`);
    assert.ok(max < TOL, `max deviation ${max}`);
    assert.deepEqual(labels, ['cog', 'cog', 'cog', 'cog', 'cog', 'cog', 'toon']);
  });

  test('suit_tuned reproduces the reference within 1e-3', async () => {
    const { max, labels } = await deviation('suit_tuned');
    process.stderr.write(`# suit_tuned max abs deviation ${max.toExponential(2)}\n`);
    assert.ok(max < TOL, `max deviation ${max}`);
    assert.deepEqual(labels, ['sb', 'lb', 'lb', 'sb', 'bb', 'bb']);
  });

  test('suit_small reproduces the reference within 1e-3 (including calling the telemarketer a Bossbot)', async () => {
    const { max, labels } = await deviation('suit_small');
    process.stderr.write(`# suit_small max abs deviation ${max.toExponential(2)}\n`);
    assert.ok(max < TOL, `max deviation ${max}`);
    assert.deepEqual(labels, ['sb', 'lb', 'lb', 'bb', 'bb', 'bb']);
  });

  test('classifyCrops batches several boxes, matches one-by-one results, and leaves no tensors behind', async () => {
    const model = loaded.get('suit_small')!;
    const img = images.get('sample_img1.png')!;
    const boxes = REFERENCE.filter((r) => r.image === 'sample_img1.png').map(({ box: [xmin, ymin, xmax, ymax] }) => ({ xmin, ymin, xmax, ymax }));
    await classifyCrops(model, img, boxes.slice(0, 1)); // warm-up (kernels may cache tensors once)
    const before = tf.memory().numTensors;
    const batched = await classifyCrops(model, img, boxes, { batchSize: 3 });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(batched.length, boxes.length);
    for (let i = 0; i < boxes.length; i++) {
      const [single] = await classifyCrops(model, img, [boxes[i]!]);
      single!.output.forEach((v, k) => assert.ok(Math.abs(v - batched[i]!.output[k]!) < 1e-5));
      assert.equal(single!.label, batched[i]!.label);
      assert.ok(Math.abs(batched[i]!.score - Math.max(...batched[i]!.output)) < 1e-9);
    }
    assert.equal(tf.memory().numTensors, before);
    await assert.rejects(classifyCrops(model, img, [{ xmin: 790, ymin: 0, xmax: 801, ymax: 10 }]), /not inside the 800x600 image/);
  });

  test('classify --json prints one line per input in argument order, with label, score and raw output', async () => {
    const dir = path.join(tmp.dir, 'binary_toon_cog');
    const args = REFERENCE.map((r) => `${path.join(REAL, r.image)}:${r.box.join(',')}`);
    const r = await runCli(['classify', '--model', dir, '--json', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, REFERENCE.length);
    lines.forEach((line, i) => {
      assert.equal(line.input, args[i]);
      assert.equal(line.output.length, 1);
      assert.ok(Math.abs(line.output[0] - REFERENCE[i]!.binary) < TOL);
      assert.equal(line.label, REFERENCE[i]!.truth.startsWith('toon') ? 'toon' : 'cog');
      const p = line.output[0];
      assert.ok(Math.abs(line.score - (line.label === 'toon' ? p : 1 - p)) < 1e-9);
    });
  });

  test('classify: a bad box, a box outside the image, and an unreadable image are each one clear error, exit 1', async () => {
    const dir = path.join(tmp.dir, 'suit_small');
    const img = path.join(REAL, 'sample_img0.png');
    const junk = path.join(tmp.dir, 'junk.png');
    await writeFile(junk, 'this is not an image');
    // The three runs in parallel: each CLI start costs seconds on a busy machine.
    const [bad, outside, unreadable] = await Promise.all([`${img}:10,20,5`, `${img}:700,500,900,600`, junk].map((arg) => runCli(['classify', '--model', dir, '--json', arg])));
    assert.equal(bad!.code, 1);
    assert.match(bad!.stderr, /bad box '10,20,5'/);
    assert.equal(bad!.stdout, '');
    assert.equal(outside!.code, 1);
    assert.match(outside!.stderr, /box 700,500,900,600 .*outside the 800x600 image/);
    assert.equal(unreadable!.code, 1);
    assert.match(unreadable!.stderr, /junk\.png: cannot decode image/);
    assert.equal(unreadable!.stdout, '');
  });
});
