// `toonvision detect` as a user runs it: --json shape on a PNG, --out drawing, --eval on VOC scenes,
// and one clear error for a missing model folder or an unreadable image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { initEngine } from '../src/engine/index.ts';
import { formatVoc } from '../src/dataset/voc.ts';
import { encodePng } from '../src/image.ts';
import { DETECTOR_CLASSES, DEFAULT_DECODE, makeDetector, OUT_CHANNELS } from '../src/detect/index.ts';
import { saveModelFolder, STANDARD_PREPROCESSING } from '../src/model/folder.ts';
import { runCli, tempDir } from './helpers.ts';
import { toyScenes } from './detect-helpers.ts';

const run = (args: string[]) => runCli(args);

let dir = '';
let cleanup: () => Promise<void> = async () => {};
let modelDir = '';
let scenesDir = '';

before(async () => {
  ({ dir, cleanup } = await tempDir('toonvision-detect-cli-'));
  await initEngine();
  modelDir = path.join(dir, 'model');
  const model = makeDetector({ inputShape: [48, 64, 3], stride: 4, width: 4 }, 5);
  await saveModelFolder(modelDir, model, {
    task: 'detector',
    classes: [...DETECTOR_CLASSES],
    inputShape: [48, 64, 3],
    preprocessing: STANDARD_PREPROCESSING,
    backend: 'test',
    createdAt: new Date().toISOString(),
    metrics: {},
    detector: { kind: 'centernet', stride: 4, outChannels: OUT_CHANNELS, layout: [], decode: DEFAULT_DECODE },
  });
  model.dispose();
  scenesDir = path.join(dir, 'scenes');
  await mkdir(scenesDir);
  for (const [i, s] of toyScenes(4, 3, 160, 120).entries()) {
    const stem = `toy_${i}`;
    await writeFile(path.join(scenesDir, `${stem}.png`), await encodePng(s.image));
    await writeFile(
      path.join(scenesDir, `${stem}.xml`),
      formatVoc({
        folder: 'scenes',
        filename: `${stem}.png`,
        path: path.join(scenesDir, `${stem}.png`),
        source: { database: 'Unknown' },
        size: { width: 160, height: 120, depth: 3 },
        segmented: 0,
        objects: s.objects.map((o) => ({ name: o.label, pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: o.box })),
      }),
    );
  }
});

after(() => cleanup());

test('detect --json prints width, height and detections in image pixels; --out draws them', async () => {
  const image = path.join(scenesDir, 'toy_0.png');
  const out = path.join(dir, 'annotated.png');
  const r = await run(['detect', '--model', modelDir, image, '--json', '--threshold', '0', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'exactly one JSON document on stdout');
  const doc = JSON.parse(lines[0]!);
  assert.equal(doc.width, 160);
  assert.equal(doc.height, 120);
  assert.ok(Array.isArray(doc.detections) && doc.detections.length > 0);
  for (const d of doc.detections) {
    assert.deepEqual(Object.keys(d).sort(), ['bbox', 'label', 'score']);
    assert.equal(d.bbox.length, 4);
    assert.ok(d.bbox.every((v: unknown) => typeof v === 'number'));
    assert.ok(d.bbox[0] + d.bbox[2] <= 160.05 && d.bbox[1] + d.bbox[3] <= 120.05);
    assert.ok(['cog', 'toon'].includes(d.label));
    assert.ok(d.score >= 0 && d.score <= 1);
  }
  const m = await sharp(out).metadata();
  assert.equal(m.format, 'png');
  assert.equal(m.width, 160);
  assert.equal(m.height, 120);
});

test('detect --eval reports mAP50 and per-class AP on a folder of VOC scenes', async () => {
  const r = await run(['detect', '--model', modelDir, '--eval', scenesDir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.scenes, 3);
  assert.equal(typeof doc.mAP50, 'number');
  assert.ok(doc.mAP50 >= 0 && doc.mAP50 <= 1);
  assert.ok('ap' in doc.perClass.cog && 'ap' in doc.perClass.toon);
  assert.ok(doc.msPerFrame > 0);
});

test('detect: a missing model folder, an unreadable image and no image give one clear error each', async () => {
  const image = path.join(scenesDir, 'toy_0.png');
  const missing = await run(['detect', '--model', path.join(dir, 'no-model'), image, '--json']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr.trim(), /^toonvision: .*no-model: model folder does not exist$/);
  const bad = path.join(dir, 'not-an-image.png');
  await writeFile(bad, 'this is text, not a PNG');
  const unreadable = await run(['detect', '--model', modelDir, bad, '--json']);
  assert.equal(unreadable.code, 1);
  assert.equal(unreadable.stdout, '');
  assert.equal(unreadable.stderr.trim().split('\n').length, 1);
  assert.match(unreadable.stderr, /not-an-image\.png: cannot decode image/);
  const usage = await run(['detect', '--model', modelDir]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /give an IMAGE, or --eval/);
});
