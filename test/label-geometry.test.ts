// The labelling page's pure parts run in Node: box geometry (moving, resizing, clamping, hit-testing,
// zoom and pan), the type-ahead over the real label list, and the retrain panel's status line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { OVERLAY_DIR } from '../src/publish/pages.ts';
import { labelList } from '../src/label/routes.ts';

type Bbox = [number, number, number, number];
interface View { zoom: number; x: number; y: number }
interface Point { x: number; y: number }
interface Geometry {
  HANDLE: number;
  MIN_BOX: number;
  MIN_ZOOM: number;
  MAX_ZOOM: number;
  toImage(p: Point, v: View): Point;
  toScreen(b: Bbox, v: View): Bbox;
  clampBox(b: Bbox, W: number, H: number): Bbox;
  handles(b: Bbox): [string, number, number][];
  handleAt(p: Point, b: Bbox, v: View, size?: number): string | null;
  boxAt(ip: Point, objects: { bbox: Bbox }[]): number;
  moveBox(b: Bbox, dx: number, dy: number, W: number, H: number): Bbox;
  resizeBox(b: Bbox, handle: string, dx: number, dy: number, W: number, H: number): Bbox;
  dragBox(start: Point, ip: Point, W: number, H: number): Bbox;
  finishBox(b: Bbox, W: number, H: number): Bbox | null;
  zoomAt(v: View, factor: number, cx: number, cy: number): View;
  fitView(W: number, H: number, cw: number, ch: number): View;
  panView(orig: View, start: Point, p: Point): View;
}
const load = async <T>(file: string) => (await import(pathToFileURL(path.join(OVERLAY_DIR, 'label', file)).href)) as T;
const g = await load<Geometry>('geometry.js');
const { matches } = await load<{ matches(labels: { label: string; description: string }[], q: string): { label: string }[] }>('search.js');
const retrain = await load<{ statusText(s: object): string; figures(f: object | null): string }>('retrain.js');
const draw = await load<{ describe(o: object): string; bright(hex: string): boolean }>('draw.js');

const W = 400;
const H = 300;

test('clampBox keeps a box inside the image, at least a pixel each way', () => {
  assert.deepEqual(g.clampBox([10, 20, 30, 40], W, H), [10, 20, 30, 40]);
  assert.deepEqual(g.clampBox([-5, -8, 30, 40], W, H), [0, 0, 30, 40]);
  assert.deepEqual(g.clampBox([390, 280, 50, 50], W, H), [390, 280, 10, 20]);
  assert.deepEqual(g.clampBox([500, 400, 10, 10], W, H), [399, 299, 1, 1]);
  assert.deepEqual(g.clampBox([5, 5, 0, -3], W, H), [5, 5, 1, 1]);
});

test('moving a box stops at the image edges and keeps its size', () => {
  assert.deepEqual(g.moveBox([10, 20, 30, 40], 5, -7, W, H), [15, 13, 30, 40]);
  assert.deepEqual(g.moveBox([10, 20, 30, 40], -50, -50, W, H), [0, 0, 30, 40]);
  assert.deepEqual(g.moveBox([10, 20, 30, 40], 1000, 1000, W, H), [W - 30, H - 40, 30, 40]);
});

test('resizing moves the handle\'s edges only, never past the opposite edge, inside the image', () => {
  const b: Bbox = [100, 100, 50, 60];
  assert.deepEqual(g.resizeBox(b, 'se', 10, 20, W, H), [100, 100, 60, 80]);
  assert.deepEqual(g.resizeBox(b, 'nw', -10, -20, W, H), [90, 80, 60, 80]);
  assert.deepEqual(g.resizeBox(b, 'e', 10, 99, W, H), [100, 100, 60, 60], 'e moves the right edge alone');
  assert.deepEqual(g.resizeBox(b, 'n', 99, -5, W, H), [100, 95, 50, 65], 'n moves the top edge alone');
  // Dragging the left edge far right leaves one pixel, it does not flip the box.
  assert.deepEqual(g.resizeBox(b, 'w', 500, 0, W, H), [149, 100, 1, 60]);
  assert.deepEqual(g.resizeBox(b, 's', 0, -500, W, H), [100, 100, 50, 1]);
  // Out through the image's corner: the moved edges stop at the border, the others stay put.
  assert.deepEqual(g.resizeBox(b, 'se', 1000, 1000, W, H), [100, 100, W - 100, H - 100]);
  assert.deepEqual(g.resizeBox(b, 'nw', -1000, -1000, W, H), [0, 0, 150, 160]);
});

test('a drawn box spans its two corners in either order, inside the image; a click is no box', () => {
  assert.deepEqual(g.dragBox({ x: 50, y: 60 }, { x: 170, y: 240 }, W, H), [50, 60, 120, 180]);
  assert.deepEqual(g.dragBox({ x: 170, y: 240 }, { x: 50, y: 60 }, W, H), [50, 60, 120, 180]);
  assert.deepEqual(g.dragBox({ x: -20, y: 250 }, { x: 450, y: 400 }, W, H), [0, 250, 400, 50]);
  assert.deepEqual(g.finishBox([10.4, 20.6, 30.2, 40.5], W, H), [10, 21, 30, 41]);
  assert.equal(g.finishBox([10, 20, 1.4, 40], W, H), null);
  assert.equal(g.finishBox([10, 20, 40, g.MIN_BOX - 1], W, H), null);
});

test('hit-testing: the handle under the pointer at any zoom; the smallest box under a point', () => {
  const view = { zoom: 2, x: 10, y: 20 };
  const b: Bbox = [100, 50, 40, 30];
  const [sx, sy, sw, sh] = g.toScreen(b, view);
  assert.deepEqual([sx, sy, sw, sh], [210, 120, 80, 60]);
  assert.equal(g.handles(b).length, 8);
  assert.equal(g.handleAt({ x: sx + 3, y: sy - 2 }, b, view), 'nw');
  assert.equal(g.handleAt({ x: sx + sw, y: sy + sh / 2 + g.HANDLE }, b, view), 'e');
  assert.equal(g.handleAt({ x: sx + sw / 2, y: sy + sh }, b, view), 's');
  assert.equal(g.handleAt({ x: sx + sw / 2, y: sy + sh / 2 }, b, view), null, 'the middle is no handle');
  assert.equal(g.handleAt({ x: sx - g.HANDLE - 1, y: sy }, b, view), null);
  const objects = [{ bbox: [0, 0, 300, 200] as Bbox }, { bbox: [50, 50, 40, 40] as Bbox }, { bbox: [60, 60, 100, 100] as Bbox }];
  assert.equal(g.boxAt({ x: 70, y: 70 }, objects), 1, 'inside all three: the smallest');
  assert.equal(g.boxAt({ x: 150, y: 150 }, objects), 2);
  assert.equal(g.boxAt({ x: 250, y: 20 }, objects), 0);
  assert.equal(g.boxAt({ x: 350, y: 250 }, objects), -1);
});

test('zoom keeps the point under the pointer still and stays within its bounds; fit centres; pan follows the drag', () => {
  const v = { zoom: 1.5, x: 30, y: 40 };
  const under = g.toImage({ x: 200, y: 150 }, v);
  const z = g.zoomAt(v, 1.25, 200, 150);
  assert.equal(z.zoom, 1.875);
  const after = g.toImage({ x: 200, y: 150 }, z);
  assert.ok(Math.abs(after.x - under.x) < 1e-9 && Math.abs(after.y - under.y) < 1e-9, JSON.stringify({ under, after }));
  assert.equal(g.zoomAt(v, 1000, 0, 0).zoom, g.MAX_ZOOM);
  assert.equal(g.zoomAt(v, 1e-6, 0, 0).zoom, g.MIN_ZOOM);
  // toImage undoes toScreen.
  const p = g.toImage({ x: g.toScreen([123, 45, 1, 1], z)[0], y: g.toScreen([123, 45, 1, 1], z)[1] }, z);
  assert.ok(Math.abs(p.x - 123) < 1e-9 && Math.abs(p.y - 45) < 1e-9);
  // A 400x300 image on an 800x800 canvas: zoom 2, letterboxed top and bottom.
  assert.deepEqual(g.fitView(W, H, 800, 800), { zoom: 2, x: 0, y: 100 });
  assert.deepEqual(g.fitView(W, H, 200, 600), { zoom: 0.5, x: 0, y: 225 });
  assert.deepEqual(g.panView({ zoom: 2, x: 0, y: 100 }, { x: 10, y: 10 }, { x: 35, y: -5 }), { zoom: 2, x: 25, y: 85 });
});

test('type-ahead over the real label list: every word must match, the exact label first', () => {
  const labels = labelList();
  assert.equal(matches(labels, '').length, labels.length);
  assert.equal(matches(labels, 'cold call')[0]!.label, 'cog_sb_coldcaller');
  assert.equal(matches(labels, 'toon_dog')[0]!.label, 'toon_dog', 'exact first');
  const sell = matches(labels, 'sellbot').map((l) => l.label);
  assert.ok(sell.length >= 8 && sell.every((l) => l.startsWith('cog_sb')), sell.join(','));
  assert.deepEqual(matches(labels, 'no such thing at all'), []);
});

test('the retrain panel says the phase, task, epoch and time left; figures are short', () => {
  assert.equal(retrain.statusText({ state: 'running', phase: 'extract', elapsedSeconds: 3 }), 'Retraining: extracting and splitting · 3 s so far');
  assert.equal(
    retrain.statusText({ state: 'running', phase: 'train', task: 'binary', epoch: 3, epochs: 10, step: 5, total: 9, secondsLeft: 18, elapsedSeconds: 12.4 }),
    'Retraining binary · epoch 3/10 (batch 5/9) · about 18 s left for this task · 12 s so far',
  );
  assert.match(retrain.statusText({ state: 'failed', error: 'exit 1' }), /^Retrain failed: exit 1$/);
  assert.match(retrain.statusText({ state: 'done', elapsedSeconds: 30, result: { extract: { screenshots: 1, crops: 4, errors: [] } } }), /finished in 30 s\. It used 1 new screenshot \(4 crops\)/);
  assert.equal(retrain.figures({ accuracy: 0.9134, loss: 0.2 }), '91.3%');
  assert.equal(retrain.figures({ anyAP50: 0.8123, mAP50: null, crossValidated: true }), 'AP 0.812 (cross-validated)');
  assert.equal(retrain.figures(null), 'none');
  assert.equal(draw.describe({ label: '' }), '(no label)');
  assert.match(draw.describe({ label: 'cog_sb_coldcaller', predicted: true, score: 0.42 }), /Cold Caller 42%$/);
  assert.equal(draw.bright('#f2b705'), true);
  assert.equal(draw.bright('#3b5ba5'), false);
});
