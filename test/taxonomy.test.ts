import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ANIMALS, COG_NAMES, LABELS, SUITS, TASK_CLASSES, classForTask, describeLabel, parseLabel, formatLabel } from '../src/taxonomy.ts';
import { REAL, needFixtures } from './helpers.ts';

test('taxonomy has 32 Cogs in 4 suits of 8, and 11 animals', () => {
  assert.deepEqual([...SUITS], ['bb', 'lb', 'cb', 'sb']);
  assert.equal(COG_NAMES.length, 32);
  assert.equal(new Set(COG_NAMES).size, 32);
  assert.equal(ANIMALS.length, 11);
  assert.equal(LABELS.length, 43);
  assert.deepEqual([...TASK_CLASSES.binary], ['cog', 'toon']);
});

test('taxonomy matches labelImg predefined_classes.txt', { skip: needFixtures() }, () => {
  const file = path.join(REAL, 'predefined_classes.txt');
  assert.ok(existsSync(file));
  const labels = readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('='));
  assert.deepEqual(labels, [...LABELS]);
});

test('parseLabel reads Cogs and Toons, with or without index', () => {
  assert.deepEqual(parseLabel('cog_sb_coldcaller'), { kind: 'cog', suit: 'sb', name: 'coldcaller', index: undefined });
  assert.deepEqual(parseLabel('cog_bb_flunky_12'), { kind: 'cog', suit: 'bb', name: 'flunky', index: 12 });
  assert.deepEqual(parseLabel('toon_dog'), { kind: 'toon', animal: 'dog', index: undefined });
  assert.deepEqual(parseLabel('toon_cat_0'), { kind: 'toon', animal: 'cat', index: 0 });
  assert.equal(formatLabel(parseLabel('cog_lb_bigwig_3')), 'cog_lb_bigwig');
});

test('parseLabel rejects bad labels naming the bad part', () => {
  assert.throws(() => parseLabel('cog_xx_flunky'), /unknown suit 'xx'/);
  assert.throws(() => parseLabel('toon_dragon'), /unknown animal 'dragon'/);
  assert.throws(() => parseLabel('cog_lb_flunky'), /Bossbot/);
  assert.throws(() => parseLabel('cog_bb_nobody'), /unknown Cog name 'nobody'/);
  assert.throws(() => parseLabel('robot_bb_flunky'), /unknown kind 'robot'/);
  assert.throws(() => parseLabel('toon_dog_x1'), /index 'x1'/);
  assert.throws(() => parseLabel('toon_dog_1_2'), /unexpected part '2'/);
  assert.throws(() => parseLabel('cog_bb'), /missing Cog name/);
});

test('classForTask maps labels to each task and describeLabel reads well', () => {
  const cog = parseLabel('cog_sb_coldcaller');
  const toon = parseLabel('toon_dog');
  assert.equal(classForTask('binary', cog), 'cog');
  assert.equal(classForTask('suit', cog), 'sb');
  assert.equal(classForTask('name', cog), 'coldcaller');
  assert.equal(classForTask('animal', cog), undefined);
  assert.equal(classForTask('animal', toon), 'dog');
  assert.equal(classForTask('suit', toon), undefined);
  assert.equal(describeLabel(cog), 'Cog · Sellbot · Cold Caller');
  assert.equal(describeLabel(toon), 'Toon · dog');
});

test('parseAnyLabel reads coarse labels (cog, cog_<suit>, toon) and still rejects bad ones', async () => {
  const { parseAnyLabel, formatLabel, classForTask, describeLabel, isAnyLabel, ALL_LABELS } = await import('../src/taxonomy.ts');
  assert.deepEqual(parseAnyLabel('cog'), { kind: 'cog', coarse: true, index: undefined });
  assert.deepEqual(parseAnyLabel('toon_3'), { kind: 'toon', coarse: true, index: 3 });
  assert.deepEqual(parseAnyLabel('cog_sb_12'), { kind: 'cog', suit: 'sb', coarse: true, index: 12 });
  assert.equal(formatLabel(parseAnyLabel('cog_lb')), 'cog_lb');
  assert.equal(formatLabel(parseAnyLabel('cog_lb_bigwig_2')), 'cog_lb_bigwig');
  const cogSb = parseAnyLabel('cog_sb');
  assert.equal(classForTask('binary', cogSb), 'cog');
  assert.equal(classForTask('suit', cogSb), 'sb');
  assert.equal(classForTask('name', cogSb), undefined);
  assert.equal(classForTask('suit', parseAnyLabel('cog')), undefined);
  assert.equal(classForTask('animal', parseAnyLabel('toon')), undefined);
  assert.equal(describeLabel(cogSb), 'Cog · Sellbot');
  assert.equal(ALL_LABELS.length, 49);
  assert.ok(isAnyLabel('cog_cb') && isAnyLabel('toon_dog') && !isAnyLabel('cog_xx') && !isAnyLabel('toon_1'));
  assert.throws(() => parseAnyLabel('cog_xx'), /unknown suit 'xx'|missing Cog name/);
  assert.throws(() => parseAnyLabel('toon_dragon'), /unknown animal 'dragon'/);
});
