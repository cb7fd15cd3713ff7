// Labelled scene folders as extra training data (src/train/labelled-root.ts): what demo-models --real
// and --renders and retrain --renders learn from beside the synthetic scenes.
import assert from 'node:assert/strict';
import { copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { writeScenes } from '../src/synth/index.ts';
import { labelledRoot } from '../src/train/labelled-root.ts';
import { makeProgress } from '../src/train/progress.ts';
import { runCli, tempDir } from './helpers.ts';

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('labelled scene folders as extra training data', () => {
  it('extracts every crop into the train split, leaves the folder alone, skips an unfinished scene and names it', async () => {
    const t = await tempDir();
    try {
      const scenes = path.join(t.dir, 'renders');
      const written = await writeScenes(scenes, { count: 2, seed: 5, width: 320, height: 240 });
      // an interrupted render: an image without its .xml
      const orphan = path.join(scenes, 'render_1_7.png');
      await copyFile(written[0]!.png, orphan);
      const before = (await readdir(scenes)).sort();
      const progress = makeProgress({ quiet: true });
      const r = await labelledRoot(path.join(t.dir, 'root'), [scenes], { what: 'rendered', strict: false, progress });
      const objects = written.flatMap((w) => w.objects).length;
      assert.equal(r.screenshots, 2);
      assert.equal(r.crops, objects);
      assert.deepEqual(r.dirs, [`${path.basename(t.dir)}/renders`]);
      assert.equal(r.skipped.length, 1);
      assert.equal(r.skipped[0]!.file, orphan);
      const train = await filesUnder(path.join(t.dir, 'root', 'data', 'train'));
      assert.equal(train.filter((f) => f.endsWith('.png')).length, objects, 'every crop in train');
      for (const s of ['validate', 'test']) {
        const other = await filesUnder(path.join(t.dir, 'root', 'data', s)).catch(() => []);
        assert.equal(other.length, 0, `nothing in ${s}`);
      }
      assert.deepEqual((await readdir(scenes)).sort(), before, 'the scenes are copied, never moved');
      // strict (real screenshots): the bad file fails the run, named
      await assert.rejects(labelledRoot(path.join(t.dir, 'root2'), [scenes], { what: 'real', strict: true, progress }), (err: Error) => err.message.includes(orphan));
    } finally {
      await t.cleanup();
    }
  });

  it('demo-models and retrain: a missing --renders folder is one clear error', async () => {
    const t = await tempDir();
    try {
      const missing = path.join(t.dir, 'no-renders');
      for (const args of [['demo-models', '--out', path.join(t.dir, 'out'), '--tasks', 'binary'], ['retrain', '--root', t.dir, '--models', path.join(t.dir, 'models')]]) {
        const r = await runCli([...args, '--renders', missing]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: no such renders folder`));
      }
    } finally {
      await t.cleanup();
    }
  });
});
