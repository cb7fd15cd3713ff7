// The extract / split / stats commands as a player runs them: exit codes, one JSON document on
// stdout, errors on stderr naming the file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { encode, listTree, object, screenshot, vocText } from './dataset-helpers.ts';
import { needFixtures, REAL, ROOT, tempDir } from './helpers.ts';

/** The real executable in a child process (slow to start on a busy machine: used once). */
function spawnCli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'toonvision.js'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same CLI in this process, stdout and stderr captured. */
async function run(...args: string[]) {
  const { main } = await import('../src/cli.ts');
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

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

    const ex = spawnCli('extract', '--root', dir, '--move', '--json');
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

    const sp = await run('split', '--root', dir, '--seed', '7', '--json');
    assert.equal(sp.code, 0, sp.stderr);
    const split = JSON.parse(sp.stdout);
    assert.equal(split.train + split.validate + split.test, 7);
    assert.deepEqual(split.byLabel.cog_bb_flunky.reduce((a: number, b: number) => a + b, 0), 2);
    const again = JSON.parse((await run('split', '--root', dir, '--seed', '7', '--json')).stdout);
    assert.deepEqual(again.byLabel, split.byLabel);

    const bad = await run('split', '--root', dir, '--ratio', '0.5,0.6,0.1');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ratio must sum to 1/);

    const chart = path.join(dir, 'balance.png');
    const st = await run('stats', '--root', dir, '--json', '--out', chart);
    assert.equal(st.code, 0, st.stderr);
    const stats = JSON.parse(st.stdout);
    assert.equal(stats.total.total, 7);
    assert.equal(stats.byKind.toon.total, 1);
    assert.equal(stats.byLabel.cog_sb_coldcaller.total, 1);
    assert.equal((await sharp(chart).metadata()).format, 'png');

    const table = await run('stats', '--root', dir);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^ {2}cog_bb_flunky\s+0(\s+\d+){3}\s+2$/m);
  } finally {
    await cleanup();
  }
});
