// The extract / split / stats commands as a player runs them: exit codes, one JSON document on
// stdout, errors on stderr naming the file.
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { encode, listTree, object, screenshot, vocText } from './dataset-helpers.ts';
import { needFixtures, REAL, runCliInProcess, runCliSync, tempDir } from './helpers.ts';

test('CLI: extract --move --json, split --json, stats --json --out on the real fixtures plus a bad file', { skip: needFixtures() }, async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const shots = path.join(dir, 'raw', 'screenshots');
    await mkdir(shots, { recursive: true });
    for (const f of ['sample_img0.png', 'sample_img0.xml', 'sample_img1.png', 'sample_img1.xml']) {
      await copyFile(path.join(REAL, f), path.join(shots, f));
      await chmod(path.join(shots, f), 0o644);
    }
    await screenshot(shots, 'broken.png', (await encode('jpeg', 30, 30)).subarray(0, 200), vocText('broken.png', 30, 30, [object('toon_cat', 0, 0, 9, 9)]));

    const ex = runCliSync(['extract', '--root', dir, '--move', '--json']);
    assert.equal(ex.code, 1, ex.stderr);
    const result = JSON.parse(ex.stdout);
    assert.equal(ex.stdout.trim().split('\n').length, 1, 'exactly one JSON document');
    assert.deepEqual(Object.keys(result).slice(0, 4), ['screenshots', 'crops', 'byLabel', 'errors']);
    assert.equal(result.screenshots, 2);
    assert.equal(result.crops, 7);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0].file, path.join(shots, 'broken.png'));
    assert.match(ex.stderr, /broken\.png: cannot decode image/);
    assert.deepEqual([...(await listTree(shots)).keys()], ['broken.png', 'broken.xml']);

    const sp = await runCliInProcess(['split', '--root', dir, '--seed', '7', '--json']);
    assert.equal(sp.code, 0, sp.stderr);
    const split = JSON.parse(sp.stdout);
    assert.equal(split.train + split.validate + split.test, 7);
    assert.deepEqual(split.byLabel.cog_bb_flunky.reduce((a: number, b: number) => a + b, 0), 2);
    const again = JSON.parse((await runCliInProcess(['split', '--root', dir, '--seed', '7', '--json'])).stdout);
    assert.deepEqual(again.byLabel, split.byLabel);

    const bad = await runCliInProcess(['split', '--root', dir, '--ratio', '0.5,0.6,0.1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ratio must sum to 1/);

    const chart = path.join(dir, 'balance.png');
    const st = await runCliInProcess(['stats', '--root', dir, '--json', '--out', chart]);
    assert.equal(st.code, 0, st.stderr);
    const stats = JSON.parse(st.stdout);
    assert.equal(stats.total.total, 7);
    assert.equal(stats.byKind.toon.total, 1);
    assert.equal(stats.byLabel.cog_sb_coldcaller.total, 1);
    assert.equal((await sharp(chart).metadata()).format, 'png');

    const table = await runCliInProcess(['stats', '--root', dir]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^ {2}cog_bb_flunky\s+0(\s+\d+){3}\s+2$/m);
  } finally {
    await cleanup();
  }
});
