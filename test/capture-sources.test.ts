// Capture sources with real parts: demo scenes, a folder of PNG + VOC files, and (under X11) a real
// window titled like the game, found, captured pixel for pixel, followed when it moves, and waited
// for when it is minimised or closed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DemoSource, FolderSource, WindowSource, createSource, findWindows, parseSourceSpec, pixelWindow } from '../src/capture/index.ts';
import { rgbaToRgb } from '../src/capture/native.ts';
import { readImage } from '../src/image.ts';
import { needProgram, tempDir } from './helpers.ts';
import { needX11, showWindow, uniqueTitle, until, writeScene, xdotool } from './agent-helpers.ts';

describe('capture sources', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('toonvision-capture-')));
  after(() => cleanup());

  it('parses source specs and names a bad one', () => {
    assert.deepEqual(parseSourceSpec('window'), { kind: 'window' });
    assert.deepEqual(parseSourceSpec('folder:/tmp/x'), { kind: 'folder', dir: '/tmp/x' });
    assert.throws(() => parseSourceSpec('webcam'), /'webcam' is not one of window, screen, demo, folder:DIR/);
    assert.throws(() => parseSourceSpec('folder:'), /names no folder/);
  });

  it('gives the window in captured pixels on high-DPI displays', () => {
    // macOS Retina: geometry in points, capture in pixels (2x).
    assert.deepEqual(pixelWindow({ x: 100, y: 50, width: 800, height: 600, scaleFactor: 2 }, { width: 1600, height: 1200 }), { x: 200, y: 100, width: 1600, height: 1200, scaleFactor: 2 });
    // X11, or DPI-aware Windows at 150%: geometry already in pixels; the scale factor is passed on.
    assert.deepEqual(pixelWindow({ x: 10, y: 20, width: 800, height: 600, scaleFactor: 1.5 }, { width: 800, height: 600 }), { x: 10, y: 20, width: 800, height: 600, scaleFactor: 1.5 });
  });

  it('converts RGBA to RGB, aligned or not', () => {
    const rgba = new Uint8Array([1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 0]);
    assert.deepEqual([...rgbaToRgb(rgba, 3, 1).data], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const shifted = new Uint8Array(13);
    shifted.set(rgba, 1);
    assert.deepEqual([...rgbaToRgb(shifted.subarray(1), 3, 1).data], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.throws(() => rgbaToRgb(rgba, 4, 1), /expected 16 RGBA bytes/);
    // 7x3 pixels: five groups of four packed as 32-bit words, one pixel left over; every byte distinct mod 256.
    const many = Uint8Array.from({ length: 7 * 3 * 4 }, (_, i) => (i * 37 + 11) % 256);
    const want = [...many].filter((_, i) => i % 4 !== 3);
    assert.deepEqual([...rgbaToRgb(many, 7, 3).data], want);
    const off = new Uint8Array(many.length + 2);
    off.set(many, 2);
    assert.deepEqual([...rgbaToRgb(off.subarray(2), 7, 3).data], want, 'unaligned');
  });

  it('demo frames carry their objects, inside the frame, deterministic per time', async () => {
    const a = await new DemoSource({ seed: 5, width: 320, height: 240, stepSeconds: 0.1 }).init();
    const b = await new DemoSource({ seed: 5, width: 320, height: 240, stepSeconds: 0.1 }).init();
    const fa = (await a.grab()).frame!;
    const fb = (await b.grab()).frame!;
    assert.equal(fa.image.width, 320);
    assert.equal(fa.image.data.length, 320 * 240 * 3);
    assert.ok(fa.truth && fa.truth.length > 0, 'demo frame has objects');
    for (const o of fa.truth!) {
      assert.match(o.label, /^(cog_|toon_)/);
      assert.ok(o.box.xmin >= 0 && o.box.ymin >= 0 && o.box.xmax <= 320 && o.box.ymax <= 240 && o.box.xmax > o.box.xmin, `box of ${o.label} inside`);
    }
    assert.deepEqual(fa.truth, fb.truth);
    assert.ok(Buffer.from(fa.image.data).equals(Buffer.from(fb.image.data)), 'same seed and time, same pixels');
    const later = (await a.grab()).frame!;
    assert.ok(!Buffer.from(later.image.data).equals(Buffer.from(fa.image.data)), 'the scene moves');
  });

  it('replays a folder of screenshots (decoded ahead) in name order with the VOC boxes beside them', async () => {
    const folder = path.join(dir, 'replay');
    await mkdir(folder);
    const s1 = await writeScene(folder, 'a_first', { width: 160, height: 120 }, 1);
    await writeScene(folder, 'b_second', { width: 200, height: 150 }, 2);
    await writeFile(path.join(folder, 'notes.txt'), 'not an image');
    const src = await createSource(`folder:${folder}`);
    // Decoded ahead at start: the screenshots replay from memory even once the files are gone.
    await rename(folder, `${folder}-moved`);
    const f1 = (await src.grab()).frame!;
    const f2 = (await src.grab()).frame!;
    const f3 = (await src.grab()).frame!;
    assert.equal(path.basename(f1.file!), 'a_first.png');
    assert.equal(path.basename(f2.file!), 'b_second.png');
    assert.equal(path.basename(f3.file!), 'a_first.png', 'loops');
    assert.deepEqual([f1.image.width, f1.image.height, f2.image.width], [160, 120, 200]);
    assert.deepEqual(f1.truth!.map((o) => o.box), s1.objects.map((o) => o.box));
    await assert.rejects(new FolderSource(path.join(dir, 'missing')).init(), /missing: folder source is not a folder/);
  });

  describe('a real game window (X11)', { skip: needX11() }, () => {
    it('finds the window by title, captures its pixels, follows moves, waits when minimised or closed', async () => {
      const scene = await writeScene(dir, 'window-scene', { width: 400, height: 300 }, 4);
      const title = uniqueTitle();
      const shown = await showWindow(scene.png, title);
      try {
        assert.equal(shown.win.width, 400);
        assert.equal(shown.win.height, 300);
        assert.equal((await findWindows(title.toLowerCase())).length, 1, 'case-insensitive title match');
        assert.deepEqual(await findWindows('No Such Game Window'), []);
        const src = new WindowSource(title);
        const g = await src.grab();
        assert.ok(g.frame, `captured (${g.waiting})`);
        assert.deepEqual([g.frame.image.width, g.frame.image.height], [400, 300]);
        const truth = await readImage(scene.png);
        let diff = 0;
        for (let i = 0; i < truth.data.length; i++) diff += Math.abs(truth.data[i]! - g.frame.image.data[i]!);
        assert.ok(diff / truth.data.length < 3, `window pixels match the scene (mean abs diff ${(diff / truth.data.length).toFixed(2)})`);
        // Moves are followed.
        xdotool('windowmove', String(shown.win.id), '200', '150');
        await until(async () => {
          const f = (await src.grab()).frame;
          return f && Math.abs(f.window.x - shown.win.x) > 50 ? f : undefined;
        }, 10000, 'the new window position');
        // Minimised: a waiting message, no frame, no throw.
        xdotool('windowminimize', String(shown.win.id));
        const w = await until(async () => (await src.grab()).waiting, 10000, 'waiting while minimised');
        assert.match(w, /minimised|gone|could not be captured/);
        xdotool('windowactivate', '--sync', String(shown.win.id));
        await until(async () => (await src.grab()).frame, 10000, 'frames again after restore');
        // Closed: waiting, and found again when a new window appears.
        await shown.close();
        await until(async () => (await src.grab()).waiting, 10000, 'waiting when closed');
        const again = await showWindow(scene.png, title);
        try {
          await until(async () => (await src.grab()).frame, 15000, 'the reopened window');
        } finally {
          await again.close();
        }
      } finally {
        await shown.close();
      }
    });

    it('captures through the screenshot-desktop fallback too', { skip: needX11() || needProgram('import') || needProgram('xrandr') }, async () => {
      const scene = await writeScene(dir, 'fallback-scene', { width: 240, height: 180 }, 6);
      const title = uniqueTitle();
      const shown = await showWindow(scene.png, title);
      const prev = process.env.TOONVISION_CAPTURE;
      process.env.TOONVISION_CAPTURE = 'fallback';
      try {
        const g = await new WindowSource(title).grab();
        assert.ok(g.frame, `captured (${g.waiting})`);
        assert.deepEqual([g.frame.image.width, g.frame.image.height], [240, 180]);
        const truth = await readImage(scene.png);
        let diff = 0;
        for (let i = 0; i < truth.data.length; i++) diff += Math.abs(truth.data[i]! - g.frame.image.data[i]!);
        assert.ok(diff / truth.data.length < 3, `fallback pixels match (mean abs diff ${(diff / truth.data.length).toFixed(2)})`);
      } finally {
        if (prev === undefined) delete process.env.TOONVISION_CAPTURE;
        else process.env.TOONVISION_CAPTURE = prev;
        await shown.close();
      }
    });
  });
});
