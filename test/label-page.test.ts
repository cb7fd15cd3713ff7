// The labelling page in a real headless Chromium (Debian's /usr/bin/chromium via playwright-core)
// against `toonvision label`'s real server: draw a box with the mouse, pick its label with the
// keyboard, save (the VOC file holds exactly that box); last labels on number keys and the verified
// flag; a page on another site cannot save (the file stays byte for byte) nor start a retrain; a file
// changed on disk is not overwritten (409, reload shows the disk's boxes); predictions accepted all at
// once; unsaved changes guarded; the retrain button on a tiny root shows progress and its result.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startLabelServer, type LabelServer } from '../src/commands/label.ts';
import { layout } from '../src/dataset/layout.ts';
import { formatVoc, parseVoc } from '../src/dataset/voc.ts';
import { writeScene } from './agent-helpers.ts';
import { httpRequest, tempDir, tinyRetrainArgs, until } from './helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, needChromium } from './overlay-helpers.ts';

const SIZE = { width: 400, height: 300 };

describe('labelling page in Chromium', { skip: needChromium() }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let shots: string;
  let s: LabelServer;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];

  before(async () => {
    ({ dir, cleanup } = await tempDir('toonvision-label-page-'));
    shots = layout(dir).screenshots;
    await mkdir(shots, { recursive: true });
    const scene = await writeScene(shots, 'shot', SIZE, 7);
    // Start from a screenshot labelled with no boxes: what is on disk after saving is only what the test drew.
    await writeFile(scene.xml, formatVoc({ ...parseVoc(await readFile(scene.xml, 'utf8'), scene.xml), objects: [] }));
    s = await startLabelServer({ root: dir, port: 0, models: path.join(dir, 'models'), retrain: { tasks: ['binary'], epochs: 2, seed: 1, extraArgs: tinyRetrainArgs() }, log: () => undefined });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(s.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    await cleanup?.();
  });

  /** Page coordinates of an image point, from the canvas box and the fitted zoom. */
  async function at(x: number, y: number): Promise<{ x: number; y: number }> {
    const r = (await page.locator('#canvas').boundingBox())!;
    const z = Math.min(r.width / SIZE.width, r.height / SIZE.height);
    return { x: r.x + (r.width - SIZE.width * z) / 2 + x * z, y: r.y + (r.height - SIZE.height * z) / 2 + y * z };
  }

  async function drag(from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
    await page.mouse.move(to.x, to.y, { steps: 4 });
    await page.mouse.up();
  }

  const xmlFile = () => path.join(shots, 'shot.xml');

  test('draw a box, label it by keyboard, save: the VOC file holds exactly that box', async () => {
    await page.keyboard.press('w');
    await drag(await at(50, 60), await at(170, 240));
    // The label input has the focus: type-ahead, Enter picks the first match.
    await page.keyboard.type('cold call');
    assert.equal(await page.locator('#suggestions li').first().getAttribute('data-label'), 'cog_sb_coldcaller');
    await page.keyboard.press('Enter');
    const item = page.locator('#boxes li');
    assert.equal(await item.count(), 1);
    assert.equal(await item.getAttribute('data-label'), 'cog_sb_coldcaller');
    const shown = (await item.getAttribute('data-bbox'))!.split(',').map(Number);
    assert.ok(Math.abs(shown[0]! - 50) <= 1 && Math.abs(shown[1]! - 60) <= 1 && Math.abs(shown[2]! - 120) <= 2 && Math.abs(shown[3]! - 180) <= 2, `drawn box ${shown}`);
    assert.equal(await page.locator('#dirty').isVisible(), true, 'unsaved changes are shown');
    await page.keyboard.press('Control+s');
    await page.locator('#banner[data-kind="info"]').waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#dirty').isVisible(), false);
    const a = parseVoc(await readFile(xmlFile(), 'utf8'), xmlFile());
    assert.equal(a.objects.length, 1);
    assert.equal(a.objects[0]!.name, 'cog_sb_coldcaller');
    assert.equal(a.objects[0]!.difficult, 0);
    const [x, y, w, h] = shown as [number, number, number, number];
    assert.deepEqual(a.objects[0]!.bndbox, { xmin: x, ymin: y, xmax: x + w, ymax: y + h });
    assert.equal((await page.locator('#shots li .state').first().textContent())?.trim(), 'labelled · 1');
  });

  test('number keys give a box one of the last labels; Space sets labelImg\'s verified flag', async () => {
    await page.keyboard.press('w');
    await drag(await at(250, 60), await at(330, 200));
    await page.keyboard.press('Escape'); // leave the label box: the keys act on the page again
    await page.keyboard.press('1');
    assert.equal(await page.locator('#boxes li').nth(1).getAttribute('data-label'), 'cog_sb_coldcaller');
    await page.keyboard.press(' ');
    assert.equal(await page.locator('#verified').isChecked(), true);
    await page.keyboard.press('Control+s');
    await page.waitForFunction(() => document.getElementById('dirty')!.hidden);
    const xml = await readFile(xmlFile(), 'utf8');
    assert.ok(xml.startsWith('<annotation verified="yes">'), xml.slice(0, 40));
    const a = parseVoc(xml, xmlFile());
    assert.deepEqual(a.objects.map((o) => o.name), ['cog_sb_coldcaller', 'cog_sb_coldcaller']);
    assert.equal((await page.locator('#shots li .state').first().textContent())?.trim(), 'verified · 2');
  });

  test('a page of another site cannot save: the file stays byte for byte', async () => {
    const before = await readFile(xmlFile());
    // The attacker's page, on another loopback port (a different origin), posts what a browser lets it.
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>evil</title>');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const other = await browser.newPage();
      await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      const target = `http://127.0.0.1:${s.server.port}/api/screenshots/shot.png/labels`;
      const outcome = await other.evaluate(async ([url, retrainUrl]) => {
        const body = JSON.stringify({ objects: [] });
        const out: string[] = [];
        try {
          // A PUT needs the CORS preflight, which the agent refuses: the PUT itself is never sent.
          const r = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
          out.push(`cors ${r.status}`);
        } catch {
          out.push('cors blocked');
        }
        // A form-like POST is sent without asking (no-cors): the agent must refuse it by its Origin.
        await fetch(retrainUrl, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' });
        out.push('post sent');
        return out;
      }, [target, `http://127.0.0.1:${s.server.port}/api/retrain`] as const);
      assert.deepEqual(outcome, ['cors blocked', 'post sent']);
      assert.equal(s.retrain.current().state, 'idle', 'the foreign page did not start a retrain');
      await other.close();
    } finally {
      await new Promise<void>((r) => evil.close(() => r()));
    }
    assert.deepEqual(await readFile(xmlFile()), before);
  });

  test('a file changed on disk is not overwritten (409); reload shows the disk\'s boxes', async () => {
    const theirs = formatVoc({ ...parseVoc(await readFile(xmlFile(), 'utf8'), xmlFile()), objects: [
      { name: 'toon_cat', pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: { xmin: 200, ymin: 100, xmax: 260, ymax: 200 } },
      { name: 'toon_dog', pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: { xmin: 300, ymin: 100, xmax: 350, ymax: 200 } },
    ] });
    await writeFile(xmlFile(), theirs); // labelImg (or another tab) saved meanwhile
    // An edit in the page: mark the box difficult, then save.
    await page.locator('#boxes li').first().click();
    await page.locator('#difficult').check();
    await page.keyboard.press('Control+s');
    await page.locator('#banner-reload').waitFor({ state: 'visible', timeout: 5000 });
    assert.match((await page.locator('#banner-text').textContent()) ?? '', /changed on disk/);
    assert.equal(await readFile(xmlFile(), 'utf8'), theirs, 'the file on disk is byte for byte what was written there');
    await page.locator('#banner-reload').click();
    // (the page had two boxes before as well: wait for the disk's labels themselves)
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLElement>('#boxes li'), (e) => e.dataset.label).join() === 'toon_cat,toon_dog');
    assert.deepEqual(await page.locator('#boxes li').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.label)), ['toon_cat', 'toon_dog']);
    assert.equal(await page.locator('#dirty').isVisible(), false);
  });

  test('a screenshot without labels starts from the predictions; accept all, save: the file holds them', async () => {
    const pred = await writeScene(shots, 'pred', SIZE, 11);
    const { rm } = await import('node:fs/promises');
    await rm(pred.xml);
    await page.goto(`${s.url}#pred.png`);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('#shots li.current').getAttribute('data-file'), 'pred.png');
    assert.match((await page.locator('#shots li.current .state').textContent()) ?? '', /predicted only/);
    const items = page.locator('#boxes li.predicted');
    const n = await items.count();
    assert.ok(n > 0, 'the demo models predict boxes in a demo scene');
    const predicted = await items.evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.label, (e as HTMLElement).dataset.bbox]));
    await page.locator('#accept-all').click();
    assert.equal(await page.locator('#boxes li.predicted').count(), 0);
    await page.keyboard.press('Control+s');
    await page.waitForFunction(() => document.getElementById('dirty')!.hidden);
    const a = parseVoc(await readFile(path.join(shots, 'pred.xml'), 'utf8'), 'pred.xml');
    assert.deepEqual(
      a.objects.map((o) => [o.name, [o.bndbox.xmin, o.bndbox.ymin, o.bndbox.xmax - o.bndbox.xmin, o.bndbox.ymax - o.bndbox.ymin].join(',')]),
      predicted,
    );
  });

  test('unsaved changes are guarded when leaving the screenshot', async () => {
    await page.keyboard.press(' '); // an edit
    assert.equal(await page.locator('#dirty').isVisible(), true);
    const before = dialogs.length;
    await page.keyboard.press('d'); // next screenshot: the page asks first; the test says no
    await until(() => dialogs.length > before, 5000, 'the page to ask about the unsaved changes');
    assert.equal(dialogs.length, before + 1);
    assert.match(dialogs.at(-1)!, /unsaved changes/);
    assert.equal(await page.locator('#shots li.current').getAttribute('data-file'), 'pred.png', 'still on the edited screenshot');
    assert.equal(await page.locator('#dirty').isVisible(), true, 'the edit is still there');
    await page.keyboard.press('Control+s');
    await page.waitForFunction(() => document.getElementById('dirty')!.hidden);
  });

  test('zoom: the same drag draws a box smaller by the zoom factor; F fits again', async () => {
    const width = async () => Number((await page.locator('#boxes li').last().getAttribute('data-bbox'))!.split(',')[2]);
    const before = await page.locator('#boxes li').count();
    const drawAt = async () => {
      await page.keyboard.press('w');
      await drag(await at(20, 20), await at(100, 60));
      await page.keyboard.press('Escape');
      const w = await width();
      await page.keyboard.press('Delete');
      return w;
    };
    const fitted = await drawAt();
    await page.keyboard.press('+');
    await page.keyboard.press('+'); // 1.25 x 1.25 about the centre
    const zoomed = await drawAt();
    assert.ok(Math.abs(fitted - 80) <= 2, `fitted: ${fitted}`);
    assert.ok(Math.abs(zoomed - 80 / 1.5625) <= 2, `zoomed: ${zoomed}`);
    await page.keyboard.press('f');
    assert.ok(Math.abs((await drawAt()) - 80) <= 2, 'fitted again');
    assert.equal(await page.locator('#boxes li').count(), before);
    await page.keyboard.press('Control+s');
    await page.waitForFunction(() => document.getElementById('dirty')!.hidden);
  });

  test('the retrain button shows the run\'s progress and its result', async () => {
    // The tiny root: more labelled scenes beside the two labelled above, enough for ten test crops
    // (fewer may keep the current model untrained).
    for (let i = 0; i < 12; i++) await writeScene(shots, `more${i}`, SIZE, 30 + i);
    await page.locator('#retrain-btn').click();
    await page.waitForFunction(() => /Retraining/.test(document.getElementById('retrain-status')!.textContent ?? ''), null, { timeout: 5000 });
    assert.equal(await page.locator('#retrain-btn').isDisabled(), true, 'one run at a time');
    const second = await httpRequest(`http://127.0.0.1:${s.server.port}/api/retrain`, { method: 'POST' });
    assert.equal(second.status, 409);
    assert.match(second.json().error, /a retrain is already running/);
    const seen = new Set<string>();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const text = (await page.locator('#retrain-status').textContent()) ?? '';
      seen.add(text.replace(/\d+ s so far/, ''));
      if (/finished|failed/.test(text)) break;
      assert.ok(Date.now() < deadline, `retrain did not finish: ${text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const final = (await page.locator('#retrain-status').textContent()) ?? '';
    assert.match(final, /finished/, `${final}\n${await page.locator('#retrain-log').textContent()}`);
    // A run this small may finish between two polls of the page; its log (shown under the status) has
    // every progress line the status line was made from.
    const log = (await page.locator('#retrain-log').textContent()) ?? '';
    assert.match(log, /^retraining binary$/m);
    assert.match(log, /epoch 2\/2 loss/);
    assert.ok([...seen].some((t) => /^Retraining/.test(t)), `progress shown while running: ${[...seen].join(' | ')}`);
    const row = page.locator('#retrain-result tr[data-task="binary"] td');
    assert.equal(await row.count(), 4);
    assert.match((await row.nth(1).textContent()) ?? '', /%$/);
    // Installed, or kept when the model the agent runs (here the shipped demo model) is better.
    assert.match((await row.nth(3).textContent()) ?? '', /^(installed|kept)$/);
    assert.ok(((await page.locator('#retrain-result tr[data-task="binary"]').getAttribute('title')) ?? '').length > 0, 'the reason is given');
    // Below it, what the task learnt from the player's screenshots, in words.
    assert.match((await page.locator('#retrain-result tr[data-message="binary"]').textContent()) ?? '', /(learnt from your \d+ Cog and Toon crops|too few characters).*(installed|kept the current one)/);
    // The screenshots were extracted and moved to raw/processed: the list now says so.
    await page.waitForFunction(() => document.querySelectorAll('#shots li[data-file]').length === 0);
  });
});
