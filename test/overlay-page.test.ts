// The overlay page in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// never a downloaded browser), against a stand-in agent on loopback: box edges in the right colours
// where the detections say (scaled), label text above the boxes, everything else transparent;
// HUD, capture toast, fading, and reconnection after the agent restarts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { SUIT_COLOURS } from '../src/taxonomy.ts';
import { CHROMIUM, CHROMIUM_ARGS, type TestAgent, frameMessage, needChromium, startTestAgent } from './overlay-helpers.ts';

const VIEW = { width: 640, height: 480 };
/** The game window is twice the overlay's size: every box is drawn at half scale. */
const GAME = { x: 30, y: 40, width: 1280, height: 960 };
const TOON_GOLD = '#f2b705';

interface Rgba { data: Buffer; width: number; height: number }

async function shot(page: Page): Promise<Rgba> {
  const png = await page.screenshot({ omitBackground: true });
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function px(img: Rgba, x: number, y: number): [number, number, number, number] {
  const i = (y * img.width + x) * 4;
  return [img.data[i], img.data[i + 1], img.data[i + 2], img.data[i + 3]];
}

function hex(c: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
}

function assertColour(img: Rgba, x: number, y: number, colour: string, what: string): void {
  const [r, g, b, a] = px(img, x, y);
  const [er, eg, eb] = hex(colour);
  const ok = a >= 250 && Math.abs(r - er) <= 3 && Math.abs(g - eg) <= 3 && Math.abs(b - eb) <= 3;
  assert.ok(ok, `${what} at (${x}, ${y}): got rgba(${r}, ${g}, ${b}, ${a}), expected ${colour}`);
}

/** The box of a detection on the overlay, as drawn: bbox scaled by overlay/window size, rounded. */
function drawnBox(bbox: number[]) {
  const sx = VIEW.width / GAME.width;
  const sy = VIEW.height / GAME.height;
  return { x: Math.round(bbox[0] * sx), y: Math.round(bbox[1] * sy), w: Math.round(bbox[2] * sx), h: Math.round(bbox[3] * sy) };
}

/** Checks the four edges of a drawn box (middle of each stroke) have the colour, and its inside is empty. */
function assertBox(img: Rgba, bbox: number[], colour: string, what: string): void {
  const b = drawnBox(bbox);
  const mx = b.x + Math.floor(b.w / 2);
  const my = b.y + Math.floor(b.h / 2);
  assertColour(img, b.x, my, colour, `${what} left edge`);
  assertColour(img, b.x + b.w - 1, my, colour, `${what} right edge`);
  assertColour(img, mx, b.y, colour, `${what} top edge`);
  assertColour(img, mx, b.y + b.h - 1, colour, `${what} bottom edge`);
  assert.equal(px(img, mx, my)[3], 0, `${what}: inside of the box is transparent`);
  assert.equal(px(img, b.x + 6, b.y + 6)[3], 0, `${what}: inside of the box near its corner is transparent`);
}

/** Near-white (label text) and near-black (its outline) pixels in the band just above the box. */
function labelPixels(img: Rgba, bbox: number[]): { white: number; dark: number } {
  const b = drawnBox(bbox);
  let white = 0;
  let dark = 0;
  for (let y = Math.max(0, b.y - 22); y < b.y - 1; y++) {
    for (let x = Math.max(0, b.x - 2); x < Math.min(img.width, b.x + 220); x++) {
      const [r, g, bl, a] = px(img, x, y);
      if (a > 200 && r > 225 && g > 225 && bl > 225) white++;
      if (a > 150 && r < 50 && g < 50 && bl < 50) dark++;
    }
  }
  return { white, dark };
}

type Region = { x: number; y: number; w: number; h: number };
/** Pixels with alpha > 0 outside the given regions. */
function paintedOutside(img: Rgba, regions: Region[]): { count: number; first?: [number, number] } {
  let count = 0;
  let first: [number, number] | undefined;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[(y * img.width + x) * 4 + 3] === 0) continue;
      if (regions.some((r) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h)) continue;
      count++;
      first ??= [x, y];
    }
  }
  return { count, first };
}

async function hudRegion(page: Page): Promise<Region> {
  const r = await page.locator('#hud').boundingBox();
  assert.ok(r, 'the HUD is shown');
  return { x: Math.floor(r.x) - 1, y: Math.floor(r.y) - 1, w: Math.ceil(r.width) + 2, h: Math.ceil(r.height) + 2 };
}

async function waitForAttr(page: Page, name: string, value: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction(([n, v]) => document.documentElement.dataset[n] === v, [name, value] as const, { timeout });
}

const COLD_CALLER = { bbox: [200, 300, 240, 200], label: 'cog', score: 0.95, suit: 'sb', name: 'coldcaller', fineScore: 0.97 };
const DOG = { bbox: [800, 420, 200, 300], label: 'toon', score: 0.99, animal: 'dog', fineScore: 0.99 };
const BIG_WIG = { bbox: [240, 640, 160, 200], label: 'cog', score: 0.9, suit: 'lb', name: 'bigwig', fineScore: 0.8 };

describe('overlay page in headless Chromium', { skip: needChromium() }, () => {
  let browser: Browser;
  let agent: TestAgent;

  before(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    agent = await startTestAgent();
  });
  after(async () => {
    await browser?.close();
    await agent?.close();
  });

  async function openPage(query = ''): Promise<Page> {
    const page = await browser.newPage({ viewport: VIEW });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    (page as Page & { errors?: string[] }).errors = errors;
    await page.goto(`http://127.0.0.1:${agent.port}/overlay${query}`);
    // the server adds a client before the page sees its socket open, so broadcasts reach it from here
    await waitForAttr(page, 'conn', 'connected');
    return page;
  }

  test('draws boxes in suit and Toon colours where the detections say (scaled), labels above, transparent elsewhere', async () => {
    const page = await openPage('?hold=60000');
    try {
      const frame = frameMessage(GAME, [COLD_CALLER, DOG, BIG_WIG]);
      agent.broadcast(frame);
      await waitForAttr(page, 'drawnFrame', String(frame.frameId));
      assert.equal(await page.evaluate(() => document.documentElement.dataset.boxes), '3');
      const img = await shot(page);
      assert.deepEqual([img.width, img.height], [VIEW.width, VIEW.height]);

      assertBox(img, COLD_CALLER.bbox, SUIT_COLOURS.sb, 'Sellbot Cold Caller');
      assertBox(img, DOG.bbox, TOON_GOLD, 'Toon dog');
      assertBox(img, BIG_WIG.bbox, SUIT_COLOURS.lb, 'Lawbot Big Wig');

      for (const [det, what] of [[COLD_CALLER, 'Cold Caller'], [DOG, 'dog'], [BIG_WIG, 'Big Wig']] as const) {
        const { white, dark } = labelPixels(img, det.bbox);
        assert.ok(white >= 30, `${what}: label text pixels above the box (${white} white)`);
        assert.ok(dark >= 30, `${what}: label outline pixels above the box (${dark} dark)`);
      }

      // Nothing but the boxes (with their 1 px halo), their label tabs and the HUD is painted.
      const regions: Region[] = [await hudRegion(page)];
      for (const det of [COLD_CALLER, DOG, BIG_WIG]) {
        const b = drawnBox(det.bbox);
        regions.push({ x: b.x - 2, y: b.y - 2, w: b.w + 4, h: b.h + 4 }); // box and halo
        regions.push({ x: b.x - 1, y: b.y - 22, w: 260, h: 22 }); // label tab above it
      }
      const painted = paintedOutside(img, regions);
      assert.equal(painted.count, 0, `painted pixels outside boxes, labels and HUD, first at ${painted.first}`);
      assert.ok(px(img, 320, 470)[3] === 0 && px(img, 630, 10)[3] === 0, 'corners are transparent');

      const hud = await page.locator('#hud').innerText();
      assert.match(hud, /connected/);
      assert.deepEqual((page as Page & { errors?: string[] }).errors, []);
    } finally {
      await page.close();
    }
  });

  test('HUD shows FPS, latency and the paused state; a capture shows a toast', async () => {
    const page = await openPage('?hold=60000');
    try {
      for (let i = 0; i < 4; i++) {
        agent.broadcast(frameMessage(GAME, [DOG]));
        await new Promise((r) => setTimeout(r, 60));
      }
      await page.waitForFunction(() => /\d fps/.test(document.getElementById('hud-stats')?.textContent ?? ''), null, { timeout: 5000 });
      const stats = (await page.locator('#hud-stats').textContent()) ?? '';
      const fps = Number(/([\d.]+) fps/.exec(stats)?.[1]);
      assert.ok(fps > 1, `fps in the HUD: ${stats}`);
      assert.match(stats, /latency \d+ ms/);
      assert.match(stats, /since capture \d+ ms/);
      const captureMs = Number(/since capture (\d+) ms/.exec(stats)?.[1]);
      assert.ok(captureMs >= 35, `capturedAt is 40 ms before sentAt, so capture->receipt >= 35 ms: ${stats}`);

      assert.equal(await page.locator('#hud-state').isVisible(), false);
      agent.broadcast({ type: 'status', v: 1, state: 'paused', message: 'paused by hotkey' });
      await page.locator('#hud-state').waitFor({ state: 'visible', timeout: 5000 });
      assert.equal(await page.locator('#hud-state').textContent(), 'paused');
      agent.broadcast({ type: 'status', v: 1, state: 'running', message: '' });
      await page.locator('#hud-state').waitFor({ state: 'hidden', timeout: 5000 });

      assert.equal(await page.locator('#toast').isVisible(), false);
      agent.broadcast({ type: 'capture', v: 1, file: 'captures/raw/screenshots/shot_0042.png', objects: 3 });
      await page.locator('#toast').waitFor({ state: 'visible', timeout: 5000 });
      assert.match((await page.locator('#toast').textContent()) ?? '', /Capture saved: shot_0042\.png · 3 objects/);
      assert.equal(await page.locator('#toast a').getAttribute('href'), '/label#shot_0042.png', 'the toast links to the capture in the labelling page');
    } finally {
      await page.close();
    }
  });

  test('old boxes fade out when frames stop', async () => {
    const page = await openPage('?hold=150');
    try {
      const frame = frameMessage(GAME, [COLD_CALLER]);
      agent.broadcast(frame);
      await waitForAttr(page, 'boxes', '1', 5000);
      // hold 150 ms + 700 ms fade: all gone well within 5 s
      await waitForAttr(page, 'boxes', '0', 5000);
      const img = await shot(page);
      const painted = paintedOutside(img, [await hudRegion(page)]);
      assert.equal(painted.count, 0, `faded overlay still painted at ${painted.first}`);
    } finally {
      await page.close();
    }
  });

  test('a malformed message is ignored whole and the HUD says so; the next good frame is drawn', async () => {
    const page = await openPage('?hold=60000');
    try {
      const good = frameMessage(GAME, [COLD_CALLER]);
      agent.broadcast(good);
      await waitForAttr(page, 'drawnFrame', String(good.frameId));
      assert.equal(await page.locator('#hud-warn').isVisible(), false);
      agent.broadcast('{ not json');
      // A frame whose second box lost a coordinate: not half-drawn, the last good frame stays.
      const broken = { ...frameMessage(GAME, [DOG, { ...BIG_WIG, bbox: [240, 640, 160] }]) };
      agent.broadcast(broken);
      agent.broadcast({ type: 'status', v: 1, state: 'sleeping', message: '' });
      agent.broadcast({ type: 'weather', v: 1, sunny: true }); // a newer agent's type: passed over, not an error
      await waitForAttr(page, 'ignored', '3');
      assert.equal(await page.evaluate(() => document.documentElement.dataset.frameId), String(good.frameId));
      assert.equal(await page.evaluate(() => document.documentElement.dataset.status), undefined, 'the broken status was not applied');
      assert.equal(await page.locator('#hud-warn').textContent(), 'ignored 3 malformed messages');
      assert.match((await page.locator('#hud-warn').getAttribute('title')) ?? '', /status\.state: expected one of running/);
      const next = frameMessage(GAME, [DOG]);
      agent.broadcast(next);
      await waitForAttr(page, 'drawnFrame', String(next.frameId));
      assertBox(await shot(page), DOG.bbox, TOON_GOLD, 'Toon dog after the malformed messages');
      assert.deepEqual((page as Page & { errors?: string[] }).errors, [], 'no page error');
    } finally {
      await page.close();
    }
  });

  test('/view passes over a frame whose header is malformed and says so', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#204060' } }).jpeg().toBuffer();
    let served = 0;
    const headers = [
      '{"frameId": 1, "window": {"width": 64}, "detections": []}',
      JSON.stringify({ frameId: 2, window: { width: 64, height: 48 }, detections: [{ bbox: [4, 4, 20, 30], label: 'toon', score: 0.9, animal: 'dog' }] }),
    ];
    const viewAgent = await startTestAgent(0, (req, res) => {
      if (req.url !== '/frame.jpg') return false;
      const header = headers[Math.min(served++, headers.length - 1)]!;
      res.writeHead(200, { 'content-type': 'image/jpeg', 'x-toonvision-frame': header }).end(jpeg);
      return true;
    });
    const page = await browser.newPage({ viewport: VIEW });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
      await page.goto(`http://127.0.0.1:${viewAgent.port}/overlay/view.html`);
      await page.waitForFunction(() => document.body.dataset.ignored === '1', null, { timeout: 10_000 });
      await page.waitForFunction(() => document.body.dataset.frames === '1', null, { timeout: 10_000 });
      assert.match((await page.locator('#info').textContent()) ?? '', /frame 2 · 64x48 · 1 box/);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      await viewAgent.close();
    }
  });

  test('reconnects by itself after the agent restarts and draws the new frames', async () => {
    const page = await openPage('?hold=60000');
    try {
      const port = agent.port;
      // every text the HUD's connection field shows from here on (the first retry follows quickly)
      await page.evaluate(() => {
        const el = document.getElementById('hud-conn')!;
        const seen: string[] = ((window as unknown as { hudTexts: string[] }).hudTexts = []);
        new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
      });
      await agent.close();
      await waitForAttr(page, 'conn', 'disconnected', 5000);
      const texts = await page.evaluate(() => (window as unknown as { hudTexts: string[] }).hudTexts);
      assert.ok(texts.some((t) => /agent offline · retry in \d+ s/.test(t)), `HUD while disconnected: ${JSON.stringify(texts)}`);
      agent = await startTestAgent(port);
      await agent.waitForClients(1, 15_000);
      await waitForAttr(page, 'conn', 'connected', 5000);
      const frame = frameMessage(GAME, [BIG_WIG]);
      agent.broadcast(frame);
      await waitForAttr(page, 'drawnFrame', String(frame.frameId));
      const img = await shot(page);
      assertBox(img, BIG_WIG.bbox, SUIT_COLOURS.lb, 'Lawbot Big Wig after the restart');
    } finally {
      await page.close();
    }
  });
});
