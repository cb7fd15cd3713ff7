// The overlay page's pure parts in Node: labels.js is what taxonomy.ts says, label text, colours,
// scaling, label layout; and the static serving of overlay/ over real loopback HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { COGS_BY_SUIT, COG_DISPLAY_NAMES, COG_NAMES, SUITS, SUIT_COLOURS, SUIT_NAMES, describeLabel, parseLabel } from '../src/taxonomy.ts';
import { LABELS_JS, overlayLabelsModule } from '../src/publish/labels.ts';
import { OVERLAY_DIR, overlayFileFor, overlayPageUrl } from '../src/publish/pages.ts';
import { startTestAgent } from './overlay-helpers.ts';

interface Box { x: number; y: number; w: number; h: number }
interface Render {
  TOON_COLOUR: string;
  COG_COLOUR: string;
  LABEL_HEIGHT: number;
  labelText(det: object): string;
  colourOf(det: object): string;
  suitOf(det: object): string | undefined;
  scaleBox(bbox: number[], win: object | undefined, width: number, height: number): Box;
  validBox(bbox: unknown): boolean;
  layoutLabels(items: { box: Box; textWidth: number }[], width: number, height: number): { x: number; y: number; w: number; h: number }[];
  labelRank(a: object, b: object): number;
}
const render = (await import(pathToFileURL(path.join(OVERLAY_DIR, 'render.js')).href)) as Render;
const labels = (await import(pathToFileURL(LABELS_JS).href)) as Record<string, unknown>;

test('overlay/labels.js is generated from taxonomy.ts (regenerate: node --import tsx src/publish/labels.ts --write)', () => {
  assert.equal(readFileSync(LABELS_JS, 'utf8'), overlayLabelsModule());
  assert.deepEqual(labels.SUIT_COLOURS, SUIT_COLOURS);
  assert.deepEqual(labels.SUIT_NAMES, SUIT_NAMES);
  assert.deepEqual(labels.COG_DISPLAY_NAMES, COG_DISPLAY_NAMES);
  assert.equal(Object.keys(labels.SUIT_OF_COG as object).length, COG_NAMES.length);
});

test('label text follows the taxonomy: Cog · Sellbot · Cold Caller 97%, Toon · dog 99%', () => {
  assert.equal(render.labelText({ label: 'cog', score: 0.9, suit: 'sb', name: 'coldcaller', fineScore: 0.97 }), 'Cog · Sellbot · Cold Caller 97%');
  assert.equal(render.labelText({ label: 'toon', score: 0.99, animal: 'dog' }), 'Toon · dog 99%');
  assert.equal(render.labelText({ label: 'cog', score: 0.884 }), 'Cog 88%');
  assert.equal(render.labelText({ label: 'cog', score: 0.9, suit: 'lb' }), 'Cog · Lawbot 90%');
  // suit from the name when the agent only sent the name; display names and full labels work too
  assert.equal(render.labelText({ label: 'cog', score: 0.5, name: 'movershaker' }), 'Cog · Sellbot · Mover & Shaker 50%');
  assert.equal(render.labelText({ label: 'cog', score: 1, suit: 'Cashbot', name: 'Robber Baron' }), 'Cog · Cashbot · Robber Baron 100%');
  assert.equal(render.labelText({ label: 'toon', animal: 'cat' }), 'Toon · cat');
  // every taxonomy label reads as describeLabel says
  for (const s of SUITS) {
    for (const name of COGS_BY_SUIT[s]) {
      const want = describeLabel(parseLabel(`cog_${s}_${name}`));
      assert.equal(render.labelText({ label: 'cog', suit: s, name }), want);
      assert.equal(render.labelText({ label: `cog_${s}_${name}` }), want);
    }
  }
});

test('label places follow track ids (oldest first) whatever the scores, then the untracked by score', () => {
  const dets = [
    { label: 'cog', score: 0.99 },
    { label: 'cog', score: 0.5, track: 7 },
    { label: 'toon', score: 0.9, track: 3 },
    { label: 'cog', score: 0.6 },
  ];
  const order = (xs: { score: number; track?: number }[]) => [...xs].sort(render.labelRank).map((d) => d.track ?? d.score);
  assert.deepEqual(order(dets), [3, 7, 0.99, 0.6]);
  // the next frame's scores swap: the tracked keep their places
  assert.deepEqual(order([{ ...dets[1]!, score: 0.95 }, { ...dets[2]!, score: 0.2 }]), [3, 7]);
});

test('colours: a Cog in its suit colour, Toons distinct from every suit', () => {
  for (const s of SUITS) assert.equal(render.colourOf({ label: 'cog', suit: s }), SUIT_COLOURS[s]);
  assert.equal(render.colourOf({ label: 'cog', name: 'flunky' }), SUIT_COLOURS.bb);
  assert.equal(render.colourOf({ label: 'toon', animal: 'dog' }), render.TOON_COLOUR);
  assert.equal(render.colourOf({ label: 'cog' }), render.COG_COLOUR);
  const all = [...Object.values(SUIT_COLOURS), render.TOON_COLOUR, render.COG_COLOUR];
  assert.equal(new Set(all.map((c) => c.toLowerCase())).size, all.length);
});

test('boxes scale from window pixels to the overlay size', () => {
  assert.deepEqual(render.scaleBox([200, 300, 240, 200], { x: 50, y: 60, width: 1280, height: 960 }, 640, 480), { x: 100, y: 150, w: 120, h: 100 });
  assert.deepEqual(render.scaleBox([10, 20, 30, 40], { width: 100, height: 100 }, 200, 50), { x: 20, y: 10, w: 60, h: 20 });
  assert.deepEqual(render.scaleBox([10, 20, 30, 40], undefined, 200, 50), { x: 10, y: 20, w: 30, h: 40 });
  assert.equal(render.validBox([1, 2, 3, 4]), true);
  assert.equal(render.validBox([1, 2, 0, 4]), false);
  assert.equal(render.validBox([1, 2, 3]), false);
  assert.equal(render.validBox([1, 2, 3, Number.NaN]), false);
});

test('label tabs do not cover each other and stay inside the overlay', () => {
  const h = render.LABEL_HEIGHT;
  const items = [
    { box: { x: 100, y: 100, w: 40, h: 60 }, textWidth: 150 },
    { box: { x: 120, y: 105, w: 40, h: 60 }, textWidth: 150 }, // would overlap the first tab
    { box: { x: 600, y: 5, w: 30, h: 30 }, textWidth: 120 }, // no room above, near the right edge
  ];
  const tabs = render.layoutLabels(items, 640, 480);
  assert.equal(tabs[0].y, 100 - h - 1);
  const [a, b] = tabs;
  const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  assert.equal(overlap, false, `tabs overlap: ${JSON.stringify(tabs)}`);
  for (const t of tabs) {
    assert.ok(t.x >= 0 && t.x + t.w <= 640 && t.y >= 0 && t.y + t.h <= 480, JSON.stringify(t));
  }
  assert.ok(tabs[2].y >= 35, 'the tab of a box at the top goes below it');
});

test('overlay files: /overlay is the page, nothing outside overlay/ nor the Electron code is served', async () => {
  assert.equal(overlayFileFor('/overlay'), path.join(OVERLAY_DIR, 'index.html'));
  assert.equal(overlayFileFor('/overlay/?ws=ws://x'), path.join(OVERLAY_DIR, 'index.html'));
  assert.equal(overlayFileFor('/overlay/render.js'), path.join(OVERLAY_DIR, 'render.js'));
  for (const bad of ['/', '/overlay/../package.json', '/overlay/%2e%2e/package.json', '/overlay/electron/main.cjs', '/overlay//etc/passwd', '/overlayx', '/overlay/x.ts']) {
    assert.equal(overlayFileFor(bad), null, bad);
  }
  assert.equal(overlayPageUrl(8765), 'http://127.0.0.1:8765/overlay');

  const agent = await startTestAgent();
  try {
    const base = `http://127.0.0.1:${agent.port}`;
    const page = await fetch(`${base}/overlay`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /Content-Security-Policy/);
    assert.match(html, /default-src 'none'/);
    const js = await fetch(`${base}/overlay/overlay.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await fetch(`${base}/overlay/electron/main.cjs`)).status, 404);
    assert.equal((await fetch(`${base}/overlay/nope.js`)).status, 404);
  } finally {
    await agent.close();
  }
});

test('the overlay reads the agent\'s window in physical pixels on every platform (macOS included)', async () => {
  const { defaultCoordinates } = await import('../src/desktop/window.ts');
  for (const p of ['darwin', 'win32', 'linux'] as const) assert.equal(defaultCoordinates(p), 'physical');
});
