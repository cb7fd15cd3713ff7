// Synthetic street scenes: determinism, label coverage, boxes inside the image, nametags outside boxes.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parseVoc } from '../src/dataset/voc.ts';
import type { Box } from '../src/image.ts';
import { readImage } from '../src/image.ts';
import { renderScene, writeScenes } from '../src/synth/index.ts';
import { alphaBox, OPAQUE } from '../src/synth/raster.ts';
import { randomEntity, randomPose, renderEntity } from '../src/synth/entity.ts';
import { rngFor } from '../src/synth/rng.ts';
import { ANIMALS, LABELS, SUITS, parseLabel } from '../src/taxonomy.ts';
import { tempDir } from './helpers.ts';

const overlap = (a: Box, b: Box) => Math.min(a.xmax, b.xmax) > Math.max(a.xmin, b.xmin) && Math.min(a.ymax, b.ymax) > Math.max(a.ymin, b.ymin);

test('same seed and index give the same bytes; another seed or index differs', async () => {
  const a = await renderScene({ seed: 11, index: 2 });
  const b = await renderScene({ seed: 11, index: 2 });
  assert.ok(a.png.equals(b.png), 'same seed, same PNG bytes');
  assert.deepEqual(a.objects, b.objects);
  const c = await renderScene({ seed: 12, index: 2 });
  assert.ok(!a.png.equals(c.png), 'another seed gives another scene');
  const d = await renderScene({ seed: 11, index: 3 });
  assert.ok(!a.png.equals(d.png), 'another index gives another scene');
  // full-size scenes: every entity at least 20 px tall, image as promised
  for (const s of [a, c, d]) {
    assert.equal(s.image.width, 800);
    assert.equal(s.image.height, 600);
    assert.equal(s.image.data.length, 800 * 600 * 3);
    const decoded = await readImage(s.png);
    assert.deepEqual(Buffer.from(decoded.data), Buffer.from(s.image.data), 'png holds the returned pixels');
    for (const o of s.objects) assert.ok(o.box.ymax - o.box.ymin >= 20, `${o.label} is ${o.box.ymax - o.box.ymin} px tall`);
  }
});

test('40 scenes: all suits and animals, 3-8 valid objects each, boxes inside with positive area, nametags outside boxes', async () => {
  const suits = new Set<string>();
  const animals = new Set<string>();
  const labels = new Set<string>();
  let cogs = 0;
  let toons = 0;
  const W = 400;
  const H = 300;
  for (let i = 0; i < 40; i++) {
    const s = await renderScene({ seed: 1, index: i, width: W, height: H });
    assert.ok(s.objects.length >= 3 && s.objects.length <= 8, `scene ${i} has ${s.objects.length} objects`);
    for (const o of s.objects) {
      const p = parseLabel(o.label);
      labels.add(o.label);
      if (p.kind === 'cog') { suits.add(p.suit); cogs++; } else { animals.add(p.animal); toons++; }
      const b = o.box;
      assert.ok(Number.isInteger(b.xmin) && Number.isInteger(b.ymin) && Number.isInteger(b.xmax) && Number.isInteger(b.ymax));
      assert.ok(b.xmin >= 0 && b.ymin >= 0 && b.xmax <= W && b.ymax <= H, `${o.label} box ${JSON.stringify(b)} inside ${W}x${H}`);
      assert.ok(b.xmax > b.xmin && b.ymax > b.ymin, `${o.label} box has positive area`);
      assert.ok(o.nametag, 'still scenes draw a nametag for every entity');
      assert.ok(o.nametag.ymax <= b.ymin, `${o.label}: nametag above the head`);
      for (const other of s.objects) assert.ok(!overlap(o.nametag, other.box), `scene ${i}: nametag of ${o.label} overlaps the box of ${other.label}`);
    }
  }
  assert.deepEqual([...suits].sort(), [...SUITS].sort());
  assert.deepEqual([...animals].sort(), [...ANIMALS].sort());
  // roughly balanced: about half Cogs, and most labels already seen
  assert.ok(cogs > 0.35 * (cogs + toons) && toons > 0.35 * (cogs + toons), `cogs ${cogs}, toons ${toons}`);
  assert.ok(labels.size >= 41, `only ${labels.size} of ${LABELS.length} labels in 40 scenes (labels are dealt from decks)`);
});

test('sprite boxes are snug: each edge of the box touches an opaque pixel', async () => {
  const rng = rngFor('snug');
  for (const label of ['cog_lb_legaleagle', 'cog_cb_loanshark', 'toon_rabbit', 'toon_deer']) {
    const sprite = await renderEntity(randomEntity(rng, label), randomPose(rng), 0.6);
    const b = sprite.box;
    assert.deepEqual(alphaBox(sprite), b);
    const a = (x: number, y: number) => sprite.data[(y * sprite.width + x) * 4 + 3]! >= OPAQUE;
    const row = (y: number) => { for (let x = b.xmin; x < b.xmax; x++) if (a(x, y)) return true; return false; };
    const col = (x: number) => { for (let y = b.ymin; y < b.ymax; y++) if (a(x, y)) return true; return false; };
    assert.ok(row(b.ymin) && row(b.ymax - 1) && col(b.xmin) && col(b.xmax - 1), `${label}: box ${JSON.stringify(b)} is snug`);
    assert.ok(b.xmin > 0 && b.ymin > 0 && b.xmax < sprite.width && b.ymax < sprite.height, `${label}: sprite canvas holds the whole entity`);
  }
});

test('writeScenes writes synth_<seed>_<i>.png with a labelImg VOC file that matches the scene', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const out = path.join(dir, 'scenes');
    const written = await writeScenes(out, { count: 2, seed: 4, width: 320, height: 240 });
    assert.deepEqual(written.map((w) => path.basename(w.png)), ['synth_4_0.png', 'synth_4_1.png']);
    for (const w of written) {
      assert.equal(path.basename(w.xml), path.basename(w.png).replace('.png', '.xml'));
      const voc = parseVoc(await readFile(w.xml, 'utf8'), w.xml);
      assert.equal(voc.filename, path.basename(w.png));
      assert.equal(voc.folder, 'scenes');
      assert.equal(voc.path, path.resolve(w.png));
      assert.deepEqual(voc.size, { width: 320, height: 240, depth: 3 });
      assert.equal(voc.segmented, 0);
      assert.deepEqual(voc.objects.map((o) => [o.name, o.bndbox]), w.objects.map((o) => [o.label, o.box]));
      const img = await readImage(w.png);
      assert.equal(img.width, 320);
      assert.equal(img.height, 240);
      const again = await renderScene({ seed: 4, index: written.indexOf(w), width: 320, height: 240 });
      assert.ok((await readFile(w.png)).equals(again.png), 'the file holds the same bytes as renderScene');
    }
  } finally {
    await cleanup();
  }
});

test('writeScenes refuses an output path under a file, naming it; renderScene refuses a bad index', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = path.join(dir, 'plain.txt');
    await writeFile(file, 'not a folder');
    await assert.rejects(writeScenes(path.join(file, 'out'), { count: 1, seed: 1, width: 160, height: 120 }), (err: Error) => err.message.includes(file) && /not a folder/.test(err.message));
    await assert.rejects(renderScene({ seed: 1, index: -1 }), /index/);
  } finally {
    await cleanup();
  }
});
