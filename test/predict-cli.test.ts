// `toonvision predict` over many files: an unreadable one (missing, corrupt, a box outside it) is named on
// stderr in one line and the batch goes on; the rest are predicted in order and the exit code is 1 at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderScene } from '../src/synth/index.ts';
import { runCli, tempDir } from './helpers.ts';

test('predict reports each unreadable input, predicts the others and exits 1', async () => {
  const t = await tempDir('toonvision-predict-batch-');
  try {
    const a = path.join(t.dir, 'a.png');
    const b = path.join(t.dir, 'b.png');
    await writeFile(a, (await renderScene({ seed: 3, index: 0, width: 320, height: 240 })).png);
    await writeFile(b, (await renderScene({ seed: 3, index: 1, width: 320, height: 240 })).png);
    const corrupt = path.join(t.dir, 'corrupt.png');
    await writeFile(corrupt, 'this is not a PNG');
    const missing = path.join(t.dir, 'missing.png');
    const outside = `${b}:10,10,900,100`;
    const r = await runCli(['predict', '--json', '--models', path.join(t.dir, 'none'), a, corrupt, missing, outside, b]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { image: string; width: number; detections: unknown[] });
    assert.deepEqual(lines.map((l) => l.image), [a, b], 'the readable inputs, in order');
    assert.ok(lines.every((l) => l.width === 320 && Array.isArray(l.detections)));
    const err = r.stderr.split('\n');
    const named = (re: RegExp) => err.filter((l) => re.test(l));
    assert.equal(named(/corrupt\.png/).length, 1, r.stderr);
    assert.equal(named(/missing\.png: image file does not exist/).length, 1, r.stderr);
    assert.equal(named(/10,10,900,100.*outside the 320x240 image/).length, 1, r.stderr);
    assert.match(r.stderr, /toonvision: 3 of 5 input\(s\) could not be predicted/);
  } finally {
    await t.cleanup();
  }
});
