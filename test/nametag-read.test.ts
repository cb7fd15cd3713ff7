// Reading Cog tags with the shipped reader network: made-up tags at the sizes players play, the real
// frames, a tag cut by the frame's edge (a partial, honest read), a Toon's tag (no Cog read), the CLI.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { locateTag, type FoundPlate } from '../src/nametag/locate.ts';
import { UNSURE } from '../src/nametag/read.ts';
import { needFixtures, REAL, runCliInProcess } from './helpers.ts';
import { drawTestTags, needFonts, needShippedReader, realBackground, realFrame, useShippedReader } from './nametag-helpers.ts';

const noReader = needShippedReader();
const skip = noReader || needFixtures();
const reader = useShippedReader(skip);

test('made-up tags at 720p sizes over a real frame are read right from their boxes', { skip: skip || needFonts() }, async () => {
  const bg = await realBackground(1600, 1200);
  const tags = [
    { truth: { name: 'pennypincher', suit: 'cb' as const, level: 3 }, em: 18, x: 120, y: 200 },
    { truth: { name: 'ambulancechaser', suit: 'lb' as const, level: 6 }, em: 13, x: 560, y: 420 },
    { truth: { name: 'mrhollywood', suit: 'sb' as const, level: 12, v2: true }, em: 15, x: 1000, y: 150 },
  ];
  const { frame, drawn } = await drawTestTags(bg, tags);
  for (const d of drawn) {
    const plate = locateTag(frame, d.box);
    assert.ok(plate, `tag of ${d.truth!.name} found`);
    const [r] = await reader().read(frame, [plate]);
    assert.ok(r!.score >= UNSURE, `${d.truth!.name}: sure (${JSON.stringify(r)})`);
    assert.equal(r!.name, d.truth!.name);
    assert.equal(r!.suit, d.truth!.suit);
    // The level is given only when the reader is sure of it (its digits are its commonest slip), and then right.
    assert.ok(r!.level === undefined || r!.level === d.truth!.level, `${d.truth!.name}: level ${r!.level}`);
    if (r!.level !== undefined) assert.equal(r!.v2 ?? false, d.truth!.v2 ?? false);
  }
});

test('the real frames: the Flunky figure\'s tag and sample_img0\'s two tags read right', { skip }, async () => {
  const fig = await realFrame('ttr_flunky_figure.png');
  const [flunky] = await reader().read(fig, [locateTag(fig, [150, 160, 215, 310])!]);
  assert.deepEqual([flunky!.name, flunky!.suit, flunky!.level], ['flunky', 'bb', 1], JSON.stringify(flunky));
  assert.ok(flunky!.score >= UNSURE);
  assert.equal(flunky!.text, 'Flunky / Bossbot / Level 1');
  const img0 = await realFrame('sample_img0.png');
  const [cold, blood] = await reader().read(img0, [locateTag(img0, [152, 279, 114, 144])!, locateTag(img0, [631, 174, 89, 336])!]);
  assert.deepEqual([cold!.name, cold!.suit], ['coldcaller', 'sb'], JSON.stringify(cold));
  assert.deepEqual([blood!.name, blood!.suit], ['bloodsucker', 'lb'], JSON.stringify(blood));
});

test('a tag cut by the frame\'s edge reads partly and never wrongly; a Toon\'s tag gives no Cog', { skip: skip || needFonts() }, async () => {
  const bg = await realBackground(1280, 960);
  const { frame, drawn } = await drawTestTags(bg, [
    { truth: { name: 'numbercruncher', suit: 'cb', level: 7 }, em: 16, x: -45, y: 300 },
    { truth: null, em: 16, x: 700, y: 300 },
  ]);
  const cut = drawn[0]!;
  const plate = locateTag(frame, cut.box);
  assert.ok(plate?.cut, 'the cut tag is found and said to be cut');
  const [r] = await reader().read(frame, [plate!]);
  assert.equal(r!.cut, true);
  assert.ok(r!.name === undefined || r!.name === 'numbercruncher', `no wrong name (${JSON.stringify(r)})`);
  assert.ok(r!.suit === undefined || r!.suit === 'cb', `no wrong suit (${JSON.stringify(r)})`);
  assert.ok(r!.level === undefined || r!.level === 7, `no wrong level (${JSON.stringify(r)})`);
  // The Toon's card read as if the finder had taken it: no sure Cog.
  const toon = drawn[1]!;
  const asPlate: FoundPlate = { bbox: toon.plate, em: toon.em, lines: [], cut: false, score: 1 };
  const [t] = await reader().read(frame, [asPlate]);
  assert.ok(t!.score < UNSURE || (!t!.name && !t!.suit), `a Toon's tag is not a Cog's (${JSON.stringify(t)})`);
});

test('nametags read --json and bench nametags --json on the real frames', { skip }, async () => {
  const r = await runCliInProcess(['nametags', 'read', path.join(REAL, 'ttr_flunky_figure.png'), '--box', '150,160,215,310', '--models', path.join(REAL, 'none'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.tags[0].name, 'flunky');
  assert.equal(doc.tags[0].level, 1);
  assert.equal(doc.tags[0].bbox.length, 4);
  // predict: the box's Cog described by its tag (suit, name, level), the body classifiers' answer in visual.
  const p = await runCliInProcess(['predict', `${path.join(REAL, 'ttr_flunky_figure.png')}:150,160,365,470`, '--models', path.join(REAL, 'none'), '--json']);
  assert.equal(p.code, 0, p.stderr);
  const det = JSON.parse(p.stdout).detections[0];
  assert.deepEqual([det.label, det.suit, det.name, det.level, det.nametag.text], ['cog', 'bb', 'flunky', 1, 'Flunky / Bossbot / Level 1']);
  assert.ok(det.visual && typeof det.visual === 'object', 'the body classifiers\' own answer beside it');
  const b = await runCliInProcess(['bench', 'nametags', '--dir', REAL, '--models', path.join(REAL, 'none'), '--json']);
  assert.equal(b.code, 0, b.stderr);
  const bench = JSON.parse(b.stdout);
  for (const k of ['tags', 'read', 'msPerTag', 'fromFrame']) assert.ok(k in bench, k);
  assert.deepEqual(Object.keys(bench.correct).sort(), ['level', 'name', 'suit']);
  assert.equal(bench.tags, 4);
  assert.ok(bench.correct.name >= 1 && bench.correct.level >= 1, JSON.stringify(bench));
  assert.equal(bench.wrong, 0, 'no sure read contradicts a label');
  const bad = await runCliInProcess(['bench', 'nametags', '--dir', path.join(REAL, 'missing'), '--json']);
  assert.equal(bad.code, 1);
});
