// stats: counts per label, suit, animal and kind, per split; the label-balance chart PNG.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { datasetStats, formatStatsTable, writeBalanceChart } from '../src/dataset/stats.ts';
import { ALL_LABELS } from '../src/taxonomy.ts';
import { encode } from './dataset-helpers.ts';
import { tempDir } from './helpers.ts';

async function put(root: string, where: string, names: string[]): Promise<void> {
  const png = await encode('png', 2, 2);
  for (const name of names) {
    const dir = path.join(root, where, name.startsWith('cog_') ? 'cog' : 'toon');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, name), png);
  }
}

test('stats: counts per label, suit, animal and Toon vs Cog, per split and unsorted', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await put(dir, 'unsorted', ['cog_bb_flunky_0.png', 'toon_cat_0.png']);
    await put(dir, 'data/train', ['cog_bb_flunky_1.png', 'cog_bb_flunky_2.png', 'cog_sb_twoface_0.png', 'toon_cat_1.png', 'toon_dog_0.png']);
    await put(dir, 'data/validate', ['cog_bb_yesman_0.png']);
    await put(dir, 'data/test', ['cog_bb_flunky_3.png', 'toon_cat_2.png', 'notes.png']);
    const s = await datasetStats(dir);
    assert.deepEqual(Object.keys(s.byLabel), [...ALL_LABELS]);
    assert.deepEqual(s.byLabel.cog_bb_flunky, { unsorted: 1, train: 2, validate: 0, test: 1, total: 4 });
    assert.deepEqual(s.byLabel.cog_lb_bigwig, { unsorted: 0, train: 0, validate: 0, test: 0, total: 0 });
    assert.deepEqual(s.bySuit.bb, { unsorted: 1, train: 2, validate: 1, test: 1, total: 5 });
    assert.deepEqual(s.bySuit.sb, { unsorted: 0, train: 1, validate: 0, test: 0, total: 1 });
    assert.deepEqual(s.byAnimal.cat, { unsorted: 1, train: 1, validate: 0, test: 1, total: 3 });
    assert.deepEqual(s.byKind.cog, { unsorted: 1, train: 3, validate: 1, test: 1, total: 6 });
    assert.deepEqual(s.byKind.toon, { unsorted: 1, train: 2, validate: 0, test: 1, total: 4 });
    assert.equal(s.total.total, 10);
    assert.equal(s.desired, 20);
    assert.equal(s.average.cog, +(6 / 32).toFixed(2));
    assert.equal(s.average.toon, +(4 / 11).toFixed(2));
    assert.equal(s.skipped.length, 1);
    const table = formatStatsTable(s);
    assert.match(table, /^\s+unsorted\s+train\s+validate\s+test\s+total$/m);
    assert.match(table, /^ {2}cog_bb_flunky\s+1\s+2\s+0\s+1\s+4$/m);
    assert.match(table, /^ {2}cat\s+1\s+1\s+0\s+1\s+3$/m);
    assert.match(table, /^total\s+2\s+5\s+1\s+2\s+10$/m);
  } finally {
    await cleanup();
  }
});

test('stats: the label-balance chart is a PNG with a bar per label, green desired and red average marks', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const names: string[] = [];
    for (let i = 0; i < 25; i++) names.push(`cog_lb_bigwig_${i}.png`);
    for (let i = 0; i < 8; i++) names.push(`toon_horse_${i}.png`);
    await put(dir, 'data/train', names);
    const s = await datasetStats(dir);
    const out = path.join(dir, 'balance.png');
    await writeBalanceChart(s, out);
    const meta = await sharp(out).metadata();
    assert.equal(meta.format, 'png');
    assert.ok(meta.width! >= 1000 && meta.height! >= 400, `${meta.width}x${meta.height}`);
    const { data, info } = await sharp(out).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let green = 0;
    let red = 0;
    let lawbot = 0;
    for (let i = 0; i < info.width * info.height; i++) {
      const [r, g, b] = [data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!];
      if (r < 40 && g > 170 && b < 40) green++;
      if (r > 200 && g < 40 && b < 40) red++;
      if (Math.abs(r - 0x3b) < 12 && Math.abs(g - 0x5b) < 12 && Math.abs(b - 0xa5) < 12) lawbot++;
    }
    assert.ok(green > 500, `green desired marks (${green} px)`);
    assert.ok(red > 500, `red average marks (${red} px)`);
    assert.ok(lawbot > 2000, `a Lawbot-blue bar for cog_lb_bigwig (${lawbot} px)`);
  } finally {
    await cleanup();
  }
});
