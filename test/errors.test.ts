// The errors made for people share one base (src/errors.ts): a stable code and the CLI's exit status,
// which main() exits with: 2 for bad usage (whatever module found it), 1 for a failed run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { exitCodeOf, RunError, ToonVisionError, UsageError } from '../src/errors.ts';
import { ImageError } from '../src/image.ts';
import { LabelError, parseAnyLabel } from '../src/taxonomy.ts';
import { ModelFolderError } from '../src/model/folder.ts';
import { VocError } from '../src/dataset/voc.ts';
import { parseRatio, RatioError } from '../src/dataset/split.ts';
import { DataError } from '../src/train/data.ts';
import { ExplainError } from '../src/model/explain.ts';
import { KerasImportError } from '../src/model/keras.ts';
import { OnnxExportError } from '../src/model/onnx-export.ts';
import { HttpError } from '../src/publish/guard.ts';
import { parseSourceSpec } from '../src/capture/index.ts';
import { BamError } from '../src/game/bam.ts';
import { runCliInProcess, tempDir } from './helpers.ts';

test('every error kind is a ToonVisionError with its own code and exit status', () => {
  const cases: [ToonVisionError, string, number][] = [
    [new UsageError('x'), 'usage', 2],
    [new RunError('x'), 'failed', 1],
    [new ImageError('a.png', 'broken'), 'image', 1],
    [new LabelError('cog_xx', 'no such suit'), 'label', 1],
    [new ModelFolderError('models/x', 'no model.json'), 'model-folder', 1],
    [new VocError('a.xml', 'not XML'), 'voc', 1],
    [new RatioError('bad ratio'), 'ratio', 2],
    [new DataError('no crops'), 'data', 1],
    [new ExplainError('no conv layer'), 'explain', 1],
    [new KerasImportError('m.h5', 'not HDF5'), 'keras-import', 1],
    [new OnnxExportError('unsupported layer'), 'onnx-export', 1],
    [new HttpError(404, 'not found'), 'http-404', 1],
    [new BamError('cog.bam', 'truncated', { type: 'ModelRoot', id: 1 }), 'bam', 1],
  ];
  for (const [err, code, exit] of cases) {
    assert.ok(err instanceof ToonVisionError && err instanceof Error, err.name);
    assert.equal(err.code, code, err.name);
    assert.equal(err.exitCode, exit, err.name);
    assert.equal(exitCodeOf(err), exit, err.name);
    assert.notEqual(err.name, 'Error', 'each kind names itself');
  }
  assert.equal(exitCodeOf(new Error('anything else')), 1);
  assert.equal(exitCodeOf('a string'), 1);
  // Errors found deep in the modules keep their kind on the way out.
  assert.throws(() => parseAnyLabel('cog_xx_flunky'), (e: unknown) => e instanceof LabelError && e.code === 'label');
  assert.throws(() => parseRatio('1,2'), (e: unknown) => e instanceof ToonVisionError && e.exitCode === 2);
  assert.throws(() => parseSourceSpec('webcam'), (e: unknown) => e instanceof UsageError && /'webcam' is not one of/.test(e.message));
});

test("main() exits with the error's own status and one line naming the file", async () => {
  const { dir, cleanup } = await tempDir('toonvision-errors-');
  try {
    // A model folder that is not one: a failed run (1), the folder named.
    const r = await runCliInProcess(['classify', '--model', path.join(dir, 'nothing-here'), path.join(dir, 'a.png')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^toonvision: .*nothing-here/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    // A --filters file that is not a PNG: usage (2).
    const u = await runCliInProcess(['explain', '--model', dir, '--filters', path.join(dir, 'f.jpg')]);
    assert.equal(u.code, 2, u.stderr);
    // split's ratio error travels as a usage error too.
    const s = await runCliInProcess(['split', '--root', dir, '--ratio', '0.5,0.5,0.5']);
    assert.equal(s.code, 2, s.stderr);
    assert.match(s.stderr, /ratio/);
  } finally {
    await cleanup();
  }
});
