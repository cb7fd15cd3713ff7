// The agent with the companion on, on a real ToonTown Rewritten frame (../shared/fixtures/real/
// ttr_flunky_figure.png, its Cog box from the VOC file beside it) and the stand-in of the game's
// companion API on loopback: hello/status carry `companion`, the frame's Cog carries the tasks it
// counts towards, /api/companion switches the client (refusing foreign Origins), /view marks the Cog
// in Chromium, and an F9 capture labels the player's own Toon with the API's species.
//
// Nametag reading is not part of this branch: the Cog's name, suit and level are put on its detection
// from the tag legible in the frame (fixtures/real/nametags.tsv: "Flunky / Bossbot / Level 1"), as the
// reader would; the Penny Pincher case puts "Penny Pincher / Cashbot / Level 3" on the same box.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { Agent, type LiveDetection } from '../src/agent/index.ts';
import { parseLabel } from '../src/taxonomy.ts';
import { CompanionStandIn } from './companion-helpers.ts';
import { connect, type Recorder } from './agent-helpers.ts';
import { httpRequest, needFixtures, REAL, tempDir, until } from './helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, needChromium } from './overlay-helpers.ts';

const FRAME = 'ttr_flunky_figure.png';

interface Tag {
  box: number[];
  suit: string;
  name: string;
  level: number;
  text: string;
}

/** The legible tag of the frame's Cog, from nametags.tsv. */
async function flunkyTag(): Promise<Tag> {
  const rows = (await readFile(path.join(REAL, 'nametags.tsv'), 'utf8')).split('\n').filter((l) => l.startsWith(`${FRAME}:`));
  assert.equal(rows.length, 1);
  const [where, label, level, text] = rows[0].split('\t');
  const box = where.split(':')[1].split(',').map(Number);
  const cog = parseLabel(label);
  assert.equal(cog.kind, 'cog');
  return { box, suit: cog.suit!, name: cog.name!, level: Number(level), text: text.split(' (')[0].replace(/ \/ /g, '\n') };
}

describe('the agent with the companion on a real frame', { skip: needFixtures() }, () => {
  let agent: Agent;
  let api: CompanionStandIn;
  let ws: Recorder;
  let dir: string;
  let cleanup: () => Promise<void>;
  let base: string;
  let tag: Tag;
  /** What the nametag reader would put on the Cog; changed by the Penny Pincher case. */
  let onTag: Tag;
  /** An extra Toon detection (the player's own, for the capture case). */
  let extra: LiveDetection[] = [];

  before(async () => {
    ({ dir, cleanup } = await tempDir('toonvision-companion-'));
    tag = await flunkyTag();
    onTag = tag;
    const frames = path.join(dir, 'frames');
    await mkdir(frames);
    await copyFile(path.join(REAL, FRAME), path.join(frames, FRAME));
    await copyFile(path.join(REAL, FRAME.replace('.png', '.xml')), path.join(frames, FRAME.replace('.png', '.xml')));
    api = await CompanionStandIn.start({
      info: {
        toon: { name: 'Flippy Doodlesplat', species: 'Dog' },
        tasks: [
          { text: 'Defeat 3 Bossbots', current: 1, target: 3 },
          { text: 'Defeat 2 Level 4+ Lawbots', current: 0, target: 2 },
        ],
      },
    });
    agent = await Agent.start({
      source: `folder:${frames}`,
      detector: 'stand-in',
      port: 0,
      hotkeys: false,
      watchModels: false,
      packageDemoModels: false,
      modelsDir: path.join(dir, 'models'),
      root: path.join(dir, 'captures'),
      intervalMs: 60,
      companion: { ports: [api.port], host: '127.0.0.1', intervalMs: 100, timeoutMs: 1000, maxBackoffMs: 300 },
      log: () => undefined,
    });
    base = `http://127.0.0.1:${agent.port}`;
    // The nametag reader's stand-in: the tag's words on the Cog's detection (a whole read, as the protocol has it: score and card box too).
    const process = agent.pipeline.process.bind(agent.pipeline);
    agent.pipeline.process = async (frame) => {
      const p = await process(frame);
      const dets = p.detections.map((d) => (d.label === 'cog' ? { ...d, suit: onTag.suit, name: onTag.name, level: onTag.level, nametag: { text: onTag.text, name: onTag.name, suit: onTag.suit, level: onTag.level, score: 0.95, bbox: [d.bbox[0], Math.max(0, d.bbox[1] - 30), d.bbox[2], 24] } } : d));
      return { ...p, detections: [...dets, ...extra] };
    };
    ws = await connect(agent.port);
  });
  after(async () => {
    ws?.close();
    await agent?.stop();
    await api?.stop();
    await cleanup?.();
  });

  /** The next frame whose Cog carries the given name (after the tag stand-in is in place). */
  async function cogOfFrame(name: string): Promise<Record<string, any>> {
    const from = ws.frames().length;
    return until(
      () => ws.frames().slice(from).map((f) => f.detections.find((d: any) => d.label === 'cog' && d.name === name)).find((d) => d && (d.tasks || d.tasksUnsure)),
      20_000,
      `a frame with a marked ${name}`,
    );
  }

  it('hello and status carry the companion; the Flunky (Bossbot, Level 1) is marked for "Defeat 3 Bossbots" only', async () => {
    const hello = ws.messages.find((m) => m.type === 'hello');
    assert.ok(hello && 'companion' in hello, 'hello has companion');
    assert.equal(hello.companion.enabled, true);
    await until(() => ws.messages.find((m) => m.type === 'status' && m.companion?.connected), 10_000, 'a status message with the companion connected');
    const status = ws.messages.filter((m) => m.type === 'status' && m.companion?.connected).at(-1)!;
    assert.deepEqual(status.companion.toon, { name: 'Flippy Doodlesplat', species: 'Dog' });
    assert.deepEqual(status.companion.tasks.map((t: any) => [t.text, t.where, t.progress.current, t.progress.target]), [
      ['Defeat 3 Bossbots', 'Anywhere', 1, 3],
      ['Defeat 2 Level 4+ Lawbots', 'Anywhere', 0, 2],
    ]);
    const cog = await cogOfFrame('flunky');
    assert.deepEqual(cog.bbox, [tag.box[0], tag.box[1], tag.box[2] - tag.box[0], tag.box[3] - tag.box[1]]);
    assert.deepEqual([cog.suit, cog.level], ['bb', 1]);
    assert.deepEqual(cog.tasks, [0]);
    assert.equal(cog.tasksUnsure, undefined, 'not even unsure for the Lawbot task');
    assert.equal(cog.invasion, undefined);
  });

  it('a Penny Pincher (Cashbot, Level 3) is marked for "Defeat 3 Cashbots" only; the invader is marked', async () => {
    api.info.tasks = [
      { text: 'Defeat 3 Cashbots', current: 0, target: 3 },
      { text: 'Defeat 2 Level 4+ Lawbots', current: 0, target: 2 },
    ];
    api.info.invasion = { cog: 'Penny Pincher', quantity: 2000, mega: false };
    onTag = { ...tag, suit: 'cb', name: 'pennypincher', level: 3, text: 'Penny Pincher\nCashbot\nLevel 3' };
    await until(() => agent.companion.status().tasks[0]?.text === 'Defeat 3 Cashbots', 10_000, 'the new tasks read');
    const cog = await cogOfFrame('pennypincher');
    assert.deepEqual(cog.tasks, [0]);
    assert.equal(cog.tasksUnsure, undefined);
    assert.equal(cog.invasion, true);
    onTag = tag;
    api.info.tasks = [
      { text: 'Defeat 3 Bossbots', current: 1, target: 3 },
      { text: 'Defeat 2 Level 4+ Lawbots', current: 0, target: 2 },
    ];
    api.info.invasion = null;
    await until(() => agent.companion.status().tasks[0]?.text === 'Defeat 3 Bossbots', 10_000, 'the first tasks back');
  });

  it('/api/companion switches the client; foreign Origins and Hosts are refused', async () => {
    const get = await httpRequest(`${base}/api/companion`);
    assert.equal(get.status, 200);
    assert.equal(get.json().enabled, true);
    const json = { 'content-type': 'application/json' };
    const foreign = await httpRequest(`${base}/api/companion`, { method: 'POST', headers: { ...json, origin: 'http://evil.example' }, body: '{"on":false}' });
    assert.equal(foreign.status, 403);
    const rebound = await httpRequest(`${base}/api/companion`, { method: 'POST', headers: { ...json, host: 'evil.example' }, body: '{"on":false}' });
    assert.equal(rebound.status, 403);
    const form = await httpRequest(`${base}/api/companion`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"on":false}' });
    assert.equal(form.status, 415);
    const bad = await httpRequest(`${base}/api/companion`, { method: 'POST', headers: json, body: '{"on":"yes"}' });
    assert.equal(bad.status, 400);
    assert.equal(agent.companion.started, true, 'no refused request changed anything');

    const off = await httpRequest(`${base}/api/companion`, { method: 'POST', headers: { ...json, origin: base }, body: '{"on":false}' });
    assert.equal(off.status, 200);
    assert.deepEqual([off.json().enabled, off.json().state], [false, 'off']);
    const from = ws.frames().length;
    await until(() => ws.frames().length >= from + 3, 10_000, 'three frames with the companion off');
    assert.ok(ws.frames().slice(from + 1).every((f) => f.detections.every((d: any) => d.tasks === undefined)), 'no marks while off');
    const on = await httpRequest(`${base}/api/companion`, { method: 'POST', headers: json, body: '{"on":true}' });
    assert.equal(on.json().enabled, true);
    await until(() => agent.companion.status().connected, 10_000, 'connected again');
  });

  it('/view and /overlay in Chromium mark the Cog and list the tasks; the /view switch turns the companion off', { skip: needChromium() }, async () => {
    const { chromium } = await import('playwright-core');
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 976, height: 305 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/view`);
      await page.waitForFunction(() => document.body.dataset.companion === 'connected' && Number(document.body.dataset.marked ?? 0) >= 1, null, { timeout: 20_000 }).catch(async (err) => {
        throw new Error(`${err.message}: ${JSON.stringify(await page.evaluate(() => ({ ...document.body.dataset, info: document.getElementById('info')?.textContent })))} ${errors.join('; ')}`);
      });
      assert.deepEqual(await page.locator('#tasks li').allTextContents(), ['Defeat 3 Bossbots · 1 of 3', 'Defeat 2 Level 4+ Lawbots · 0 of 2']);
      assert.equal(await page.locator('#companion-toggle').isChecked(), true);
      // The ring in the first task's colour (#ff3fd2) is drawn around the Cog's box.
      const png = await page.locator('#view').screenshot();
      const sharp = (await import('sharp')).default;
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      let ring = 0;
      for (let i = 0; i < data.length; i += 3) if (Math.abs(data[i]! - 0xff) < 40 && Math.abs(data[i + 1]! - 0x3f) < 50 && Math.abs(data[i + 2]! - 0xd2) < 50) ring++;
      assert.ok(ring > 100, `the task's colour is drawn (${ring} pixels of ${info.width}x${info.height})`);
      // The overlay page (the transparent layer) marks it too and lists the tasks under its HUD.
      const overlay = await browser.newPage({ viewport: { width: 976, height: 305 } });
      overlay.on('pageerror', (e) => errors.push(e.message));
      await overlay.goto(`${base}/overlay`);
      await overlay.waitForFunction(() => document.documentElement.dataset.companion === 'connected' && Number(document.documentElement.dataset.marked ?? 0) >= 1, null, { timeout: 20_000 });
      assert.deepEqual(await overlay.locator('#tasks li').allTextContents(), ['Defeat 3 Bossbots · 1 of 3', 'Defeat 2 Level 4+ Lawbots · 0 of 2']);
      await overlay.close();
      await page.locator('#companion-toggle').click();
      await page.waitForFunction(() => document.body.dataset.companion === 'off', null, { timeout: 10_000 });
      assert.equal(agent.companion.started, false);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      agent.companion.start();
    }
  });

  it("an F9 capture labels the player's own Toon with the species the game gives", async () => {
    await until(() => agent.companion.status().connected, 10_000, 'connected');
    // A Toon where the camera follows the player: the middle of the 1951x610 frame, low and big.
    extra = [{ bbox: [925, 380, 100, 200], label: 'toon', score: 0.9 }];
    const from = ws.frames().length;
    await until(() => ws.frames().slice(from).some((f) => f.detections.some((d: any) => d.label === 'toon')), 10_000, 'a frame with the Toon');
    const saved = await agent.captureNow();
    extra = [];
    const xml = await readFile(saved.xml, 'utf8');
    assert.match(xml, /<name>toon_dog<\/name>/);
    assert.match(xml, /<name>cog_bb_flunky<\/name>/);
  });
});
