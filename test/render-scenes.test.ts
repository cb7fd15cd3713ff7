// renderScenes in-process with stand-in characters on a real Chromium page: a run continues the numbering
// after the scenes already in the folder and never touches them, an interrupted scene (image without its
// .xml) is finished first, scene i of a seed is the same whichever run draws it, and every box is inside.
import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readVoc } from '../src/dataset/voc.ts';
import { RenderPage } from '../src/render/browser.ts';
import { cachedSource } from '../src/render/characters.ts';
import { renderScenes, type RenderOptions } from '../src/render/scenes.ts';
import { tempDir } from './helpers.ts';
import { needChromium } from './overlay-helpers.ts';
import { standInSource } from './render-helpers.ts';

describe('renderScenes (stand-in characters, headless Chromium)', { skip: needChromium() }, () => {
  let page: RenderPage;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    page = await RenderPage.open();
    tmp = await tempDir();
  });
  after(async () => {
    await page?.close();
    await tmp?.cleanup();
  });
  const run = (out: string, count: number) => {
    const opts: RenderOptions = { out, count, seed: 9, width: 200, height: 150, format: 'png', assets: [], source: cachedSource(standInSource()), page };
    return renderScenes(opts);
  };

  test('continues the numbering, leaves existing scenes alone, finishes an interrupted one', async () => {
    const a = path.join(tmp.dir, 'a');
    const b = path.join(tmp.dir, 'b');
    const first = await run(a, 2);
    assert.deepEqual(first.scenes.map((s) => s.index), [0, 1]);
    for (const s of first.scenes) {
      for (const o of s.objects) {
        const { xmin, ymin, xmax, ymax } = o.bndbox;
        assert.ok(xmin >= 0 && ymin >= 0 && xmax <= 200 && ymax <= 150 && xmin < xmax && ymin < ymax, `${o.name} inside the image`);
      }
    }
    // scene 1 interrupted after its image was written
    await rm(path.join(a, 'render_9_1.xml'));
    const image1 = await readFile(path.join(a, 'render_9_1.png'));
    const mtime0 = (await stat(path.join(a, 'render_9_0.png'))).mtimeMs;
    const second = await run(a, 2);
    assert.deepEqual(second.scenes.map((s) => s.index), [1, 2], 'the interrupted scene first, then the next number');
    assert.equal(second.existing, 1);
    assert.deepEqual(await readFile(path.join(a, 'render_9_1.png')), image1, 'its image kept');
    assert.equal((await stat(path.join(a, 'render_9_0.png'))).mtimeMs, mtime0, 'scene 0 untouched');
    assert.deepEqual((await readdir(a)).sort(), ['render_9_0.png', 'render_9_0.xml', 'render_9_1.png', 'render_9_1.xml', 'render_9_2.png', 'render_9_2.xml']);

    // the same three scenes drawn in one run elsewhere
    await run(b, 3);
    for (const i of [0, 1, 2]) {
      const [va, vb] = await Promise.all([readVoc(path.join(a, `render_9_${i}.xml`)), readVoc(path.join(b, `render_9_${i}.xml`))]);
      assert.deepEqual(vb.objects, va.objects, `scene ${i}: same labels and boxes`);
      assert.ok((await readFile(path.join(a, `render_9_${i}.png`))).equals(await readFile(path.join(b, `render_9_${i}.png`))), `scene ${i}: same bytes`);
    }
  });
});
