// `toonvision characters`: the real executable builds two characters from the game's files, writes their
// contact sheet and GLBs, reports in one JSON document; bad usage exits 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { runCli, tempDir } from './helpers.ts';
import { TTO, TTR_HEADS, needGameAssets } from './game-helpers.ts';

test('characters --only: a contact sheet and GLBs of a Cog and a Toon, one JSON document', { skip: needGameAssets() }, async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const out = path.join(dir, 'sheet.png');
    const r = await runCli(['characters', '--assets', `${TTR_HEADS},${TTO}`, '--out', out, '--only', 'cog_lb_bigwig,toon_pig', '--glb', path.join(dir, 'glb'), '--animation', 'walk', '--frame', '4', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.built, 2);
    assert.deepEqual(summary.failed, []);
    assert.ok(summary.msPerCharacter > 0);
    assert.ok(summary.animations.cog.includes('walk') && summary.animations.toon.includes('walk'));
    const meta = await sharp(out).metadata();
    assert.deepEqual([meta.width, meta.height], [8 * 160, 240 + 16]);
    for (const l of ['cog_lb_bigwig', 'toon_pig']) {
      const glb = readFileSync(path.join(dir, 'glb', `${l}.glb`));
      assert.equal(glb.subarray(0, 4).toString('latin1'), 'glTF');
    }
  } finally {
    await cleanup();
  }
});

test('characters: bad usage exits 2 with one line, and writes nothing', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const out = path.join(dir, 'x.png');
    const r1 = await runCli(['characters', '--assets', TTO, '--out', out, '--kind', 'robot']);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /--kind 'robot' is not one of cog, toon, all/);
    assert.equal(existsSync(out), false);
  } finally {
    await cleanup();
  }
});
