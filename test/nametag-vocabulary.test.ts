// The nametag's closed vocabulary: the game's lines and wrap, level ranges, matching read text to it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseTagLabels } from '../src/nametag/labels.ts';
import { levelFits, levelRange, matchLines, parseLevelLine, tagLines, tagText, wrapLine } from '../src/nametag/vocabulary.ts';
import { COG_NAMES } from '../src/taxonomy.ts';
import { needFixtures, REAL } from './helpers.ts';

test('tag lines are the game\'s: name (wrapped at 8 em), department, "Level N" with the v2.0 and Skelecog forms', () => {
  assert.deepEqual(tagLines({ name: 'pennypincher', suit: 'cb', level: 3 }), ['Penny Pincher', 'Cashbot', 'Level 3']);
  assert.deepEqual(tagLines({ name: 'ambulancechaser', suit: 'lb', level: 6 }), ['Ambulance', 'Chaser', 'Lawbot', 'Level 6']);
  assert.deepEqual(tagLines({ name: 'mrhollywood', suit: 'sb', level: 12, v2: true }), ['Mr. Hollywood', 'Sellbot', 'Level 12 v2.0']);
  assert.deepEqual(tagLines({ skelecog: true, suit: 'bb', level: 9 }), ['Skelecog', 'Bossbot', 'Level 9']);
  // 13 letters fit on a line (0.6 em each), 14 do not.
  assert.deepEqual(wrapLine('Bottom Feeder'), ['Bottom Feeder']);
  assert.deepEqual(wrapLine('The Big Cheese'), ['The Big', 'Cheese']);
  assert.equal(tagText({ name: 'flunky', suit: 'bb', level: 1 }), 'Flunky / Bossbot / Level 1');
  assert.equal(tagText({ suit: 'lb' }), 'Lawbot');
});

test('each Cog is met at five levels from its tier; a level outside them does not fit', () => {
  assert.deepEqual(levelRange('flunky'), [1, 5]);
  assert.deepEqual(levelRange('thebigcheese'), [8, 12]);
  assert.deepEqual(levelRange('pennypincher'), [2, 6]);
  assert.ok(levelFits('pennypincher', 3));
  assert.ok(!levelFits('flunky', 9));
  for (const n of COG_NAMES) assert.equal(levelRange(n)[1] - levelRange(n)[0], 4, n);
});

test('read text with OCR slips matches the vocabulary: name, department, level', () => {
  const m = matchLines(['Flunky', 'Sossbot,', '[Level 1:']);
  assert.equal(m.name, 'flunky');
  assert.equal(m.suit, 'bb');
  assert.equal(m.level, 1);
  const wrapped = matchLines(['Ambulance', 'Chaser', 'Lawbot', 'Leve1 6']);
  assert.equal(wrapped.name, 'ambulancechaser');
  assert.equal(wrapped.level, 6);
  const v2 = parseLevelLine('Level 12 v2.0');
  assert.equal(v2.level, 12);
  assert.equal(v2.v2, true);
  const skel = matchLines(['Skelecog', 'Cashbot', 'Level 5']);
  assert.equal(skel.skelecog, true);
  assert.equal(skel.name, undefined);
  assert.equal(skel.suit, 'cb');
  // Noise matches nothing.
  const none = matchLines(['~~~', 'xq']);
  assert.equal(none.name, undefined);
  assert.equal(none.suit, undefined);
  assert.equal(none.level, undefined);
});

test('nametags.tsv of the shared fixtures parses: boxes, labels, levels (blank when not legible)', { skip: needFixtures() }, () => {
  const file = path.join(REAL, 'nametags.tsv');
  const labels = parseTagLabels(readFileSync(file, 'utf8'), file);
  assert.ok(labels.length >= 4);
  const tele = labels.find((l) => l.label === 'cog_sb_telemarketer');
  assert.deepEqual(tele?.box, { xmin: 278, ymin: 269, xmax: 310, ymax: 356 });
  assert.equal(tele?.level, 2);
  assert.ok(labels.some((l) => l.label === 'cog_bb_flunky' && l.level === undefined));
  assert.throws(() => parseTagLabels('a.png:1,2,3\tcog_bb_flunky\t1\tx', 'bad.tsv'), /bad\.tsv: line 1/);
});
