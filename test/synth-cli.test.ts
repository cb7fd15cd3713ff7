// `toonvision synth` from the shell (two spawns only: the CLI loads slowly): files, JSON report, same bytes as the library, bad usage exit 2.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { renderScene } from '../src/synth/index.ts';
import { runCliSync, tempDir } from './helpers.ts';

const run = (args: string[]) => runCliSync(args);

test('toonvision synth writes scenes with VOC files and reports them as JSON', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const out = path.join(dir, 'a');
    const r = run(['synth', '--out', out, '--count', '2', '--seed', '9', '--width', '320', '--height', '240', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.count, 2);
    assert.equal(report.seed, 9);
    assert.ok(report.objects >= 6, `objects ${report.objects}`);
    assert.equal(Object.values(report.byLabel as Record<string, number>).reduce((s, n) => s + n, 0), report.objects);
    for (const i of [0, 1]) {
      assert.ok(existsSync(path.join(out, `synth_9_${i}.png`)));
      assert.match(await readFile(path.join(out, `synth_9_${i}.xml`), 'utf8'), /<annotation>[\s\S]*<name>(cog|toon)_/);
    }
    const again = await renderScene({ seed: 9, index: 1, width: 320, height: 240 });
    assert.ok((await readFile(path.join(out, 'synth_9_1.png'))).equals(again.png), 'same seed, same bytes as the library');
  } finally {
    await cleanup();
  }
});

test('toonvision synth: bad usage exits 2 with a message naming the option', () => {
  const r = run(['synth', '--out', 'x', '--count', 'many']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--count/);
});
