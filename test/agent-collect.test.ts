// Opt-in collection of unlabelled frames: near-duplicates are passed over, the disk cap holds, files
// appear whole; and `predict --write-voc` pre-labels a frame without ever replacing a label file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { dHash, FrameCollector, hammingDistance, unlabelledDir } from '../src/agent/collect.ts';
import { renderScene } from '../src/synth/index.ts';
import { readVoc } from '../src/dataset/voc.ts';
import { runCli, tempDir } from './helpers.ts';


test('dHash: the same scene a few pixels brighter is near, another scene is far', async () => {
  const a = (await renderScene({ seed: 3, index: 0, width: 320, height: 240 })).image;
  const b = (await renderScene({ seed: 3, index: 1, width: 320, height: 240 })).image;
  const brighter = { ...a, data: a.data.map((v) => Math.min(255, v + 6)) };
  assert.ok(hammingDistance(dHash(a), dHash(brighter)) < 8);
  assert.ok(hammingDistance(dHash(a), dHash(b)) >= 8, 'a different scene is not a duplicate');
});

test('FrameCollector keeps distinct frames as JPEG, skips duplicates and too-soon frames, and stops at its cap', async () => {
  const t = await tempDir('toonvision-collect-');
  try {
    const frames = await Promise.all([0, 1, 2].map(async (i) => (await renderScene({ seed: 4, index: i, width: 320, height: 240 })).image));
    const c = await FrameCollector.open({ root: t.dir, everyMs: 1000 });
    const f1 = await c.offer(frames[0]!, 10_000);
    assert.ok(f1 && f1.startsWith(unlabelledDir(t.dir)) && f1.endsWith('.jpg'));
    assert.equal((await sharp(f1).metadata()).width, 320);
    assert.equal(await c.offer(frames[1]!, 10_500), undefined, 'too soon');
    assert.equal(await c.offer(frames[0]!, 12_000), undefined, 'duplicate');
    assert.ok(await c.offer(frames[1]!, 13_000));
    assert.equal(c.status().frames, 2);
    assert.deepEqual((await readdir(unlabelledDir(t.dir))).filter((n) => n.endsWith('.part')), [], 'no partial file left');
    // A collector reopened on the folder counts what is there; a cap below it stops collection.
    const capped = await FrameCollector.open({ root: t.dir, everyMs: 0, maxBytes: c.status().bytes + 100 });
    assert.equal(capped.status().frames, 2);
    assert.equal(await capped.offer(frames[2]!, 20_000), undefined, 'over the cap');
    assert.match(capped.describe(), /2 in .*full: collection stopped/);
    assert.equal((await readdir(unlabelledDir(t.dir))).length, 2);
  } finally {
    await t.cleanup();
  }
});

test('predict --write-voc writes a labelImg VOC beside the image and never replaces an existing one', async () => {
  const t = await tempDir('toonvision-prelabel-');
  try {
    const scene = await renderScene({ seed: 6, index: 0, width: 400, height: 300 });
    const png = path.join(t.dir, 'frame.png');
    await writeFile(png, scene.png);
    const other = path.join(t.dir, 'mine.png');
    await copyFile(png, other);
    const mine = path.join(t.dir, 'mine.xml');
    await writeFile(mine, 'the player\'s own labels');
    const r = await runCli(['predict', '--write-voc', '--models', path.join(t.dir, 'none'), png, other]);
    assert.equal(r.code, 0, r.stderr);
    const voc = await readVoc(path.join(t.dir, 'frame.xml'));
    assert.equal(voc.size.width, 400);
    assert.equal(voc.filename, 'frame.png');
    for (const o of voc.objects) assert.match(o.name, /^(cog|toon)/);
    assert.equal(await readFile(mine, 'utf8'), 'the player\'s own labels', 'an existing label file is left byte for byte');
    assert.match(r.stderr, /mine\.xml: already there, left as it is/);
    assert.ok(!existsSync(path.join(t.dir, 'mine.xml.part')));
  } finally {
    await t.cleanup();
  }
});
