// `toonvision render` end to end (the real executable, the game's own assets, headless Chromium): the VOC
// beside each image is valid labelImg with taxonomy labels and boxes inside the image, --json has its
// shape, the same seed gives the same scenes, and a bad asset folder is one clear error with exit code 1.
// (Continued numbering and interrupted scenes: render-scenes.test.ts.)
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { readVoc } from '../src/dataset/voc.ts';
import { LABELS } from '../src/taxonomy.ts';
import { FIXTURES, runCli, tempDir } from './helpers.ts';
import { needChromium } from './overlay-helpers.ts';

const ASSETS = path.join(FIXTURES, 'game-assets', 'tto-2013');
const needAssets = existsSync(ASSETS) ? false : `needs the game's assets at ${ASSETS} (not found)`;
const W = 320;
const H = 240;

test('render: a missing asset folder, and one without characters, are one clear error each (exit 1)', async () => {
  const tmp = await tempDir();
  try {
    const missing = path.join(tmp.dir, 'no-such-folder');
    let r = await runCli(['render', '--assets', missing, '--out', path.join(tmp.dir, 'out'), '--count', '1']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /no-such-folder: no such asset folder/);
    const empty = path.join(tmp.dir, 'empty');
    await mkdir(empty);
    r = await runCli(['render', '--assets', empty, '--out', path.join(tmp.dir, 'out'), '--count', '1']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /empty: holds no phase_\* folders/);
    const bare = path.join(tmp.dir, 'bare');
    await mkdir(path.join(bare, 'phase_3'), { recursive: true });
    r = await runCli(['render', '--assets', bare, '--out', path.join(tmp.dir, 'out'), '--count', '1']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /bare: no Cog or Toon can be built from these asset folders/);
    assert.equal(existsSync(path.join(tmp.dir, 'out')), false, 'nothing written');
    r = await runCli(['render', '--assets', empty, '--out', path.join(tmp.dir, 'out'), '--width', '10']);
    assert.equal(r.code, 2, 'bad usage');
  } finally {
    await tmp.cleanup();
  }
});

describe('render with the game assets', { skip: needAssets || needChromium() }, () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await tmp?.cleanup();
  });
  const render = (out: string, count: number) =>
    runCli(['render', '--assets', ASSETS, '--out', out, '--count', String(count), '--seed', '5', '--width', String(W), '--height', String(H), '--json'], { timeoutMs: 300_000 });

  test('valid VOC, --json shape, the same seed gives the same scenes', async () => {
    const a = path.join(tmp.dir, 'a');
    const b = path.join(tmp.dir, 'b');
    const [r, r2] = [await render(a, 2), await render(b, 2)];
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r2.code, 0, r2.stderr);
    const report = JSON.parse(r.stdout);
    for (const k of ['scenes', 'objects', 'byLabel', 'secondsPerScene']) assert.ok(k in report, `--json has ${k}`);
    assert.equal(report.scenes, 2);
    assert.equal(typeof report.secondsPerScene, 'number');
    assert.equal(Object.values(report.byLabel as Record<string, number>).reduce((s, n) => s + n, 0), report.objects);
    assert.deepEqual((await readdir(a)).sort(), ['render_5_0.jpg', 'render_5_0.xml', 'render_5_1.jpg', 'render_5_1.xml']);

    let objects = 0;
    for (const i of [0, 1]) {
      const voc = await readVoc(path.join(a, `render_5_${i}.xml`));
      const meta = await sharp(path.join(a, `render_5_${i}.jpg`)).metadata();
      assert.equal(voc.filename, `render_5_${i}.jpg`);
      assert.deepEqual([voc.size.width, voc.size.height, voc.size.depth], [W, H, 3]);
      assert.deepEqual([meta.width, meta.height], [W, H]);
      for (const o of voc.objects) {
        assert.ok(LABELS.includes(o.name), `${o.name} is a taxonomy label`);
        const { xmin, ymin, xmax, ymax } = o.bndbox;
        assert.ok([xmin, ymin, xmax, ymax].every(Number.isInteger), 'whole pixels');
        assert.ok(xmin >= 0 && ymin >= 0 && xmax <= W && ymax <= H && xmin < xmax && ymin < ymax, `${o.name} ${xmin},${ymin},${xmax},${ymax} inside the image`);
        assert.ok(o.difficult === 0 || o.difficult === 1);
        objects++;
      }
      // the same scene from the other run: same labels and boxes, same bytes
      const vb = await readVoc(path.join(b, `render_5_${i}.xml`));
      assert.deepEqual(vb.objects, voc.objects, `scene ${i}: same labels and boxes`);
      const [ia, ib] = await Promise.all([readFile(path.join(a, `render_5_${i}.jpg`)), readFile(path.join(b, `render_5_${i}.jpg`))]);
      assert.ok(ia.equals(ib), `scene ${i}: same image bytes`);
    }
    assert.equal(objects, report.objects);
  });
});
