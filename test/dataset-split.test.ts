// split: gathers every crop, stratifies by full label, is deterministic for a seed, loses and
// duplicates nothing, never overwrites; ratio checks.
import assert from 'node:assert/strict';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { allocate, parseRatio, splitDataset } from '../src/dataset/split.ts';
import { encode, listTree } from './dataset-helpers.ts';
import { tempDir } from './helpers.ts';

/** Writes real little PNG crops, each with distinct content, scattered over unsorted/ and data/*. */
async function makeCrops(root: string, counts: Record<string, number>): Promise<void> {
  const places = ['unsorted', 'data/train', 'data/validate', 'data/test'];
  let seed = 0;
  for (const [label, n] of Object.entries(counts)) {
    const kind = label.startsWith('cog_') ? 'cog' : 'toon';
    for (let i = 0; i < n; i++) {
      const dir = path.join(root, places[(i + label.length) % places.length]!, kind);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, `${label}_${i}.png`), await encode('png', 2, 2, seed++));
    }
  }
}

/** file name -> [where, content hash] for every crop under the root. */
async function placement(root: string): Promise<Map<string, [string, string]>> {
  const out = new Map<string, [string, string]>();
  for (const [rel, hash] of await listTree(root)) {
    const name = path.basename(rel);
    assert.ok(!out.has(name), `${name} is in two places`);
    out.set(name, [path.dirname(rel), hash]);
  }
  return out;
}

const COUNTS = { cog_bb_flunky: 10, cog_sb_coldcaller: 5, cog_lb_bigwig: 1, cog_cb_tightwad: 2, toon_cat: 7, toon_dog: 3, toon_horse: 1 };

test('split: stratified by label, nothing lost or duplicated, same seed gives the same split', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await makeCrops(dir, COUNTS);
    const before = await placement(dir);
    const r = await splitDataset(dir, { seed: 'abc' });
    const after = await placement(dir);
    // Same set of files with the same bytes.
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    for (const [name, [, hash]] of before) assert.equal(after.get(name)![1], hash, `${name} intact`);
    // Nothing left in unsorted; every crop in data/<split>/<its kind>.
    for (const [name, [where]] of after) {
      assert.match(where, /^data\/(train|validate|test)\/(cog|toon)$/, name);
      assert.equal(where.split('/')[2], name.startsWith('cog_') ? 'cog' : 'toon');
    }
    // Per label: counts as reported, and by the ratio (floor or ceil of n * r).
    const total = Object.values(COUNTS).reduce((a, b) => a + b, 0);
    assert.equal(r.train + r.validate + r.test, total);
    assert.deepEqual(r.byLabel.cog_bb_flunky, [6, 2, 2]);
    for (const [label, n] of Object.entries(COUNTS)) {
      const got = r.byLabel[label]!;
      assert.equal(got[0] + got[1] + got[2], n, label);
      [0.6, 0.2, 0.2].forEach((ratio, s) => assert.ok(Math.abs(got[s]! - n * ratio) < 1, `${label} split ${s}: ${got[s]} of ${n}`));
      const onDisk = ['train', 'validate', 'test'].map(
        (split) => [...after.entries()].filter(([name, [where]]) => name.startsWith(`${label}_`) && where.startsWith(`data/${split}/`)).length,
      );
      assert.deepEqual(onDisk, got, `${label} on disk`);
    }
    // Overall close to 60/20/20 even with the singletons.
    assert.ok(Math.abs(r.train - total * 0.6) <= 1.5 && Math.abs(r.test - total * 0.2) <= 1.5, JSON.stringify(r));

    // Re-split with another seed, then with the first one again: the very same placement.
    const other = await splitDataset(dir, { seed: 'xyz' });
    const afterOther = await placement(dir);
    assert.equal(other.train + other.validate + other.test, total);
    assert.notDeepEqual([...afterOther], [...after], 'another seed moves crops around');
    const again = await splitDataset(dir, { seed: 'abc' });
    assert.deepEqual(again.byLabel, r.byLabel);
    assert.deepEqual([...(await placement(dir))].sort(), [...after].sort());
  } finally {
    await cleanup();
  }
});

test('split --ratio 0,0,1 puts everything in test (an evaluation-only set)', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await makeCrops(dir, COUNTS);
    const r = await splitDataset(dir, { ratio: [0, 0, 1], seed: 1 });
    assert.equal(r.train + r.validate, 0);
    assert.equal(r.test, 29);
    for (const [, [where]] of await placement(dir)) assert.match(where, /^data\/test\//);
  } finally {
    await cleanup();
  }
});

test('split refuses two crops with one name before moving anything, and leaves non-crop files alone', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await makeCrops(dir, { toon_pig: 3 });
    await mkdir(path.join(dir, 'data', 'train', 'toon'), { recursive: true });
    await writeFile(path.join(dir, 'data', 'train', 'toon', 'holiday photo.png'), 'x');
    const dupe = path.join(dir, 'data', 'test', 'toon', 'toon_pig_1.png');
    await mkdir(path.dirname(dupe), { recursive: true });
    const before = await listTree(dir);
    assert.ok(before.has('data/train/toon/toon_pig_1.png'), 'toon_pig_1 lives in data/train');
    await writeFile(dupe, 'second copy');
    await assert.rejects(splitDataset(dir, { seed: 1 }), /data\/test\/toon\/toon_pig_1\.png: a crop with the same name is also at .*data\/train\/toon\/toon_pig_1\.png/);
    const now = await listTree(dir);
    now.delete('data/test/toon/toon_pig_1.png');
    assert.deepEqual(now, before, 'nothing moved');
    await unlink(dupe);
    const r = await splitDataset(dir, { seed: 1 });
    assert.equal(r.skipped.length, 1);
    assert.match(r.skipped[0]!.file, /holiday photo\.png$/);
    assert.ok((await listTree(dir)).has('data/train/toon/holiday photo.png'));
  } finally {
    await cleanup();
  }
});

test('split ratio: three non-negative numbers summing to 1', () => {
  assert.deepEqual(parseRatio('0.6,0.2,0.2'), [0.6, 0.2, 0.2]);
  assert.deepEqual(parseRatio('0, 0, 1'), [0, 0, 1]);
  assert.deepEqual(parseRatio('0.4,0.2,0.4'), [0.4, 0.2, 0.4]);
  assert.throws(() => parseRatio('0.5,0.5'), /three numbers/);
  assert.throws(() => parseRatio('a,b,c'), /three numbers/);
  assert.throws(() => parseRatio('0.6,0.2,'), /three numbers/);
  assert.throws(() => parseRatio('-0.2,0.6,0.6'), /must not be negative/);
  assert.throws(() => parseRatio('0.7,0.2,0.2'), /sum to 1/);
  assert.throws(() => parseRatio('0,0,0'), /sum to 1/);
});

test('allocate: floors plus leftovers by remainder; a zero part gets nothing; many singletons still fill every split', () => {
  assert.deepEqual(allocate(10, [0.6, 0.2, 0.2]), [6, 2, 2]);
  assert.deepEqual(allocate(0, [0.6, 0.2, 0.2]), [0, 0, 0]);
  assert.deepEqual(allocate(5, [0, 0, 1]), [0, 0, 5]);
  assert.deepEqual(allocate(1, [0.5, 0, 0.5]), [1, 0, 0]);
  assert.deepEqual(allocate(3, [0, 0.5, 0.5]), [0, 2, 1]);
  const deficit: [number, number, number] = [0, 0, 0];
  const sums = [0, 0, 0];
  for (let i = 0; i < 20; i++) {
    const c = allocate(1, [0.6, 0.2, 0.2], deficit);
    for (let s = 0; s < 3; s++) {
      sums[s] += c[s]!;
      deficit[s as 0 | 1 | 2] += [0.6, 0.2, 0.2][s]! - c[s]!;
    }
  }
  assert.deepEqual(sums, [12, 4, 4]);
});

test('split and stats name a data root that does not exist instead of creating it', async () => {
  const { datasetStats } = await import('../src/dataset/stats.ts');
  await assert.rejects(splitDataset('/nonexistent-toonvision-root', { seed: 1 }), /\/nonexistent-toonvision-root: no such data root/);
  await assert.rejects(datasetStats('/nonexistent-toonvision-root'), /\/nonexistent-toonvision-root: no such data root/);
});
