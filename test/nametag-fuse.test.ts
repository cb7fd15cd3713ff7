// A read tag joined to its detection (the game's words win over the body classifiers unless unsure),
// the tag-labelled mark in VOC files, and a tracked Cog's tag read once while it stays in view.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { formatVoc, parseVoc, type VocAnnotation } from '../src/dataset/voc.ts';
import { applyTag } from '../src/nametag/fuse.ts';
import { openTagReader, SHIPPED_READER, type NametagRead, type TagReader } from '../src/nametag/read.ts';
import { tagMark, type LiveDetection } from '../src/predict/cascade.ts';
import { TrackedLabels } from '../src/predict/tracked.ts';
import { needFixtures } from './helpers.ts';
import { drawTestTags, needFonts, realBackground } from './nametag-helpers.ts';

const body: LiveDetection = { bbox: [100, 200, 60, 150], label: 'cog', score: 0.9, suit: 'bb', name: 'downsizer', fineScore: 0.19, kindScore: 0.97 };
const sure: NametagRead = { text: 'Penny Pincher / Cashbot / Level 3', name: 'pennypincher', suit: 'cb', level: 3, score: 0.93, bbox: [95, 150, 70, 30] };

test('a sure tag gives suit, name and level; the body classifiers\' answer stays in visual', () => {
  const d = applyTag(body, sure);
  assert.equal(d.suit, 'cb');
  assert.equal(d.name, 'pennypincher');
  assert.equal(d.level, 3);
  assert.equal(d.fineScore, 0.93);
  assert.deepEqual(d.visual, { suit: 'bb', name: 'downsizer', fineScore: 0.19 });
  assert.deepEqual(d.nametag, sure);
  assert.deepEqual(tagMark(d), { nametag: 'Penny Pincher / Cashbot / Level 3' });
});

test('an unsure tag is attached but changes nothing; a department alone drops a body name of another suit', () => {
  const unsure = applyTag(body, { ...sure, score: 0.3 });
  assert.equal(unsure.suit, 'bb');
  assert.equal(unsure.name, 'downsizer');
  assert.equal(unsure.level, undefined);
  assert.equal(unsure.nametag?.score, 0.3);
  assert.deepEqual(tagMark(unsure), {});
  const cut: NametagRead = { text: 'Cashbot / Level 3', suit: 'cb', level: 3, score: 0.9, bbox: [0, 150, 40, 30], cut: true };
  const d = applyTag(body, cut);
  assert.equal(d.suit, 'cb');
  assert.equal(d.name, undefined, 'a Bossbot name does not stay on a Cashbot');
  assert.deepEqual(tagMark(d), {}, 'not tag-labelled: the tag gave no name');
  // A Toon the binary model was unsure of, with a sure Cog tag over it, is a Cog.
  const toon = applyTag({ bbox: [0, 0, 10, 20], label: 'toon', score: 0.8, animal: 'dog', kindScore: 0.6 } as LiveDetection, sure);
  assert.equal(toon.label, 'cog');
  assert.equal(toon.animal, undefined);
  assert.equal(toon.visual?.animal, 'dog');
});

test('VOC objects labelled by a tag carry a <nametag> element (labelImg ignores it); others are unchanged', () => {
  const a: VocAnnotation = {
    folder: 'screenshots', filename: 'a.png', path: '/x/a.png', source: { database: 'Unknown' }, size: { width: 800, height: 600, depth: 3 }, segmented: 0,
    objects: [
      { name: 'cog_cb_pennypincher', pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: { xmin: 1, ymin: 2, xmax: 30, ymax: 80 }, nametag: 'Penny Pincher / Cashbot / Level 3' },
      { name: 'toon_dog', pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: { xmin: 100, ymin: 2, xmax: 130, ymax: 80 } },
    ],
  };
  const xml = formatVoc(a);
  assert.match(xml, /<\/bndbox>\n\t\t<nametag>Penny Pincher \/ Cashbot \/ Level 3<\/nametag>\n\t<\/object>/);
  assert.equal((xml.match(/<nametag>/g) ?? []).length, 1);
  const back = parseVoc(xml, 'a.xml');
  assert.equal(back.objects[0]!.nametag, 'Penny Pincher / Cashbot / Level 3');
  assert.equal(back.objects[1]!.nametag, undefined);
});

const noReader = existsSync(path.join(SHIPPED_READER, 'metadata.json')) ? false : `needs the shipped tag reader in ${SHIPPED_READER}`;

test('a tracked Cog\'s tag is read once and kept while it stays in view, moving with it', { skip: noReader || needFixtures() || needFonts() }, async () => {
  const inner = await openTagReader({ dir: SHIPPED_READER });
  let calls = 0;
  const reader: TagReader = { kind: inner.kind, read: (img, plates) => ((calls += plates.length), inner.read(img, plates)), dispose: () => inner.dispose() };
  try {
    const bg = await realBackground(1280, 960);
    const { frame, drawn } = await drawTestTags(bg, [{ truth: { name: 'loanshark', suit: 'cb', level: 8 }, em: 16, x: 300, y: 200 }]);
    const tracked = new TrackedLabels();
    const box = drawn[0]!.box;
    let last: LiveDetection | undefined;
    for (let f = 0; f < 8; f++) {
      // The Cog stands still (the frame is the same); its box wobbles a pixel.
      const bbox: LiveDetection['bbox'] = [box[0] + (f % 2), box[1], box[2], box[3]];
      const r = await tracked.classify(frame, [{ bbox, label: 'cog', score: 0.9 }], { nametag: reader });
      last = r.detections[0];
      assert.equal(last?.name, 'loanshark', `frame ${f}`);
      assert.equal(last?.suit, 'cb');
      assert.ok(last?.level === undefined || last.level === 8);
    }
    assert.equal(calls, 1, 'read once');
    assert.equal(last!.track, 1);
    // A frame the detector skips (detectEvery): the tracked Cog coasts on with its tag, not read again.
    const [coasted] = tracked.coast(1280, 960);
    assert.deepEqual([coasted?.track, coasted?.name, coasted?.nametag?.text], [1, 'loanshark', last!.nametag?.text]);
    assert.equal(calls, 1);
  } finally {
    await reader.dispose();
  }
});

test('a collected frame with tag-read Cogs gets a raw/tagged copy and VOC of those Cogs; extraction crops them once', { skip: needFixtures() }, async () => {
  const { tempDir, REAL } = await import('./helpers.ts');
  const { copyFile, mkdir, readdir, readFile } = await import('node:fs/promises');
  const { saveTagged } = await import('../src/nametag/tagged.ts');
  const { extractScreenshots } = await import('../src/dataset/extract.ts');
  const { layout } = await import('../src/dataset/layout.ts');
  const t = await tempDir();
  try {
    const l = layout(t.dir);
    await mkdir(l.unlabelled, { recursive: true });
    const frame = path.join(l.unlabelled, '2026-12-04T16-00-00-000Z.jpg');
    await copyFile(path.join(REAL, 'sample_img0.png'), frame);
    const xml = await saveTagged(t.dir, frame, { width: 800, height: 600 }, [
      { label: 'cog_sb_coldcaller', box: { xmin: 152, ymin: 279, xmax: 266, ymax: 423 }, nametag: 'Cold Caller / Sellbot / Level 1' },
    ]);
    assert.ok(xml);
    const voc = parseVoc(await readFile(xml, 'utf8'), xml);
    assert.equal(voc.objects.length, 1);
    assert.equal(voc.objects[0]!.nametag, 'Cold Caller / Sellbot / Level 1');
    assert.equal(await saveTagged(t.dir, frame, { width: 800, height: 600 }, []), undefined, 'no tag-labelled Cog: nothing written');
    const ex = await extractScreenshots(t.dir, { raw: l.tagged, move: true, moveTo: path.join(l.tagged, 'done') });
    assert.equal(ex.crops, 1);
    assert.deepEqual(await readdir(l.unsorted('cog')), ['cog_sb_coldcaller_0.png']);
    const again = await extractScreenshots(t.dir, { raw: l.tagged, move: true, moveTo: path.join(l.tagged, 'done') });
    assert.equal(again.crops, 0, 'harvested once');
    assert.ok((await readdir(l.unlabelled)).includes('2026-12-04T16-00-00-000Z.jpg'), 'the frame stays for the teacher');
    // retrain's fine-tuning learns the body classifiers from it, grouped by its frame for the cross-validation.
    const { playerCrops } = await import('../src/train/retrain.ts');
    for (const [task, cls] of [['binary', 'cog'], ['suit', 'sb'], ['name', 'coldcaller']] as const) {
      const crops = await playerCrops(t.dir, task);
      assert.deepEqual(crops.map((c) => [c.group, c.cls, c.image.width, c.image.height]), [['2026-12-04T16-00-00-000Z.jpg', cls, 114, 144]], task);
    }
  } finally {
    await t.cleanup();
  }
});
