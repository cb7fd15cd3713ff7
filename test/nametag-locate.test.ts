// Finding Cog tag cards: made-up tags in the game's typeface over a real frame, and the real frames.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignPlates, findPlates, locateTag, type Bbox } from '../src/nametag/locate.ts';
import { needFixtures } from './helpers.ts';
import { drawTestTags, iou, needFonts, realBackground, realFrame } from './nametag-helpers.ts';

const skip = needFixtures() || needFonts();

test('tags at 720p sizes over a real frame are found from their Cog\'s box and from the whole frame; a Toon\'s is not', { skip }, async () => {
  const bg = await realBackground(1600, 1200);
  const { frame, drawn } = await drawTestTags(bg, [
    { truth: { name: 'pennypincher', suit: 'cb', level: 3 }, em: 18, x: 120, y: 200 },
    { truth: { name: 'ambulancechaser', suit: 'lb', level: 6 }, em: 13, x: 560, y: 420 },
    { truth: { name: 'flunky', suit: 'bb', level: 1 }, em: 22, x: 1000, y: 150 },
    { truth: null, em: 16, x: 1250, y: 700 },
  ]);
  const plates = findPlates(frame);
  const cogs = drawn.filter((d) => d.truth);
  for (const d of cogs) {
    assert.ok(plates.some((p) => iou(p.bbox, d.plate) >= 0.6), `tag of ${d.truth!.name} found in the frame (plates: ${JSON.stringify(plates.map((p) => p.bbox))})`);
    const p = locateTag(frame, d.box);
    assert.ok(p && iou(p.bbox, d.plate) >= 0.6, `tag of ${d.truth!.name} found above its box (got ${JSON.stringify(p?.bbox)}, want ${JSON.stringify(d.plate)})`);
    assert.ok(Math.abs(p.em - d.em) / d.em < 0.25, `line pitch ${p.em} near ${d.em}`);
  }
  const toon = drawn.find((d) => !d.truth)!;
  assert.ok(!plates.some((p) => iou(p.bbox, toon.plate) >= 0.3), 'a Toon\'s coloured tag is not taken for a Cog\'s');
  const given = assignPlates(plates, drawn.map((d) => d.box));
  cogs.forEach((d) => assert.ok(iou(given[drawn.indexOf(d)]!.bbox, d.plate) >= 0.6, `whole-frame tag given to ${d.truth!.name}'s box`));
});

test('a tag cut by the frame\'s edge is found and said to be cut', { skip }, async () => {
  const bg = await realBackground(1280, 960);
  const { frame, drawn } = await drawTestTags(bg, [{ truth: { name: 'bigwig', suit: 'lb', level: 9 }, em: 16, x: -30, y: 300 }]);
  const p = locateTag(frame, drawn[0]!.box);
  assert.ok(p, 'found');
  assert.equal(p.cut, true);
  assert.equal(p.bbox[0], 0);
});

test('the real frames: the tags over the Cogs of sample_img0 and the Flunky figure; none over the Toon', { skip: needFixtures() }, async () => {
  const img0 = await realFrame('sample_img0.png');
  // Cold Caller / Sellbot / Level 1 and Bloodsucker / Lawbot / Level 3: their cards by eye.
  const cold = locateTag(img0, [152, 279, 114, 144]);
  assert.ok(cold && iou(cold.bbox, [178, 235, 66, 34]) >= 0.5, `Cold Caller's tag (got ${JSON.stringify(cold?.bbox)})`);
  const blood = locateTag(img0, [631, 174, 89, 336]);
  assert.ok(blood && iou(blood.bbox, [630, 113, 102, 49]) >= 0.5, `Bloodsucker's tag (got ${JSON.stringify(blood?.bbox)})`);
  const fig = await realFrame('ttr_flunky_figure.png');
  const flunky = locateTag(fig, [150, 160, 215, 310]);
  assert.ok(flunky && iou(flunky.bbox, [204, 91, 117, 84]) >= 0.5, `the Flunky's tag (got ${JSON.stringify(flunky?.bbox)})`);
  assert.equal(flunky.lines.length, 3);
  const img1 = await realFrame('sample_img1.png');
  const tele = locateTag(img1, [278, 269, 32, 87]);
  assert.ok(tele && iou(tele.bbox, [281, 247, 53, 23]) >= 0.4, `the Telemarketer's small tag (got ${JSON.stringify(tele?.bbox)})`);
  assert.equal(locateTag(img1, [154, 274, 36, 47] as Bbox), undefined, 'no tag over the Toon');
});
