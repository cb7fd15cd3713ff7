// The render page in real headless Chromium: a character alone on a flat background gets a box equal to
// the bounding box of its drawn pixels; one hidden behind another is marked difficult; one cut by the
// frame's edge is clipped and truncated. Stand-in box figures always; the game's own Cog and Toon too
// when ../shared/fixtures/game-assets is there.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { RenderPage } from '../src/render/browser.ts';
import { labelObject } from '../src/render/labels.ts';
import type { CharacterPlan, ScenePlan } from '../src/render/plan.ts';
import { FIXTURES } from './helpers.ts';
import { needChromium } from './overlay-helpers.ts';
import { standIn, standInBox } from './render-helpers.ts';

const W = 320;
const H = 240;
const BG: [number, number, number] = [0.2, 0.4, 0.6];
const GAME_ASSETS = path.join(FIXTURES, 'game-assets', 'tto-2013');

function plan(characters: CharacterPlan[], camera: ScenePlan['camera'] = { fov: 40, position: [0, 3, -12], target: [0, 2.5, 0] }): ScenePlan {
  return {
    width: W,
    height: H,
    antialias: true,
    camera,
    light: { name: 'day', ambient: [1, 1, 1], ambientIntensity: 0.7, directional: [{ colour: [1, 1, 1], intensity: 0.4, direction: [1, 2, -1] }] },
    background: { colour: BG },
    characters,
    output: { type: 'image/png' },
    idScale: 1,
  };
}

/** Bounding box (end exclusive) of the pixels that differ from the flat background. */
async function drawnBox(png: Buffer): Promise<[number, number, number, number] | null> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const bg = BG.map((c) => Math.round(c * 255));
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const i = (y * info.width + x) * 3;
      if (Math.abs(data[i]! - bg[0]!) + Math.abs(data[i + 1]! - bg[1]!) + Math.abs(data[i + 2]! - bg[2]!) <= 12) continue;
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
    }
  }
  return x1 < 0 ? null : [x0, y0, x1, y1];
}

function near(actual: [number, number, number, number], expected: { xmin: number; ymin: number; xmax: number; ymax: number }, tol: number, what: string): void {
  const e = [expected.xmin, expected.ymin, expected.xmax, expected.ymax];
  for (let k = 0; k < 4; k++) assert.ok(Math.abs(actual[k]! - e[k]!) <= tol, `${what}: drawn pixels ${actual.join(',')} against the label ${e.join(',')}`);
}

describe('render page (three.js in headless Chromium)', { skip: needChromium() }, () => {
  let page: RenderPage;
  before(async () => {
    page = await RenderPage.open();
  });
  after(async () => {
    await page?.close();
  });

  test('a character alone: the label is the bounding box of its drawn pixels, within a pixel', async () => {
    const c = await standIn('cog_cb_pennypincher', 6, [0.25, 0.5, 0.3]);
    const url = page.provide('alone.glb', { bytes: c.glb, type: 'model/gltf-binary' });
    for (const yaw of [0, 0.7, 2.2]) {
      const r = await page.render(plan([{ id: 0, label: c.label, glb: url, position: [1, 0, 2], yaw }]));
      const o = labelObject(c.label, 'Unspecified', r.objects[0]!, W, H);
      assert.ok(o, 'the character is labelled');
      assert.equal(o.difficult, 0);
      assert.equal(o.truncated, 0);
      const drawn = await drawnBox(r.image);
      assert.ok(drawn, 'something was drawn');
      near(drawn, o.bndbox, 1, `yaw ${yaw}`);
    }
  });

  test('the nametag and drop shadow are drawn but left out of the box', async () => {
    const c = await standIn('cog_cb_pennypincher', 6, [0.25, 0.5, 0.3]);
    const url = page.provide('tagged.glb', { bytes: c.glb, type: 'model/gltf-binary' });
    const r = await page.render(plan([{
      id: 0, label: c.label, glb: url, position: [0, 0, 4], yaw: 0.3, headTop: c.headTop, shadow: { radius: 2.5, opacity: 0.6 },
      nametag: { lines: ['Penny Pincher', 'Cashbot', 'Level 3'], family: 'monospace', colour: [20, 20, 20], plate: [205, 205, 205, 0.8], linePxPerHeight: 0.03, exponent: 0.21, minLinePx: 6, lift: 0.5 },
    }]));
    const o = labelObject(c.label, 'Unspecified', r.objects[0]!, W, H)!;
    const drawn = (await drawnBox(r.image))!;
    assert.ok(drawn[1] < o.bndbox.ymin - 10, `the nametag is drawn above the head (drawn top ${drawn[1]}, box top ${o.bndbox.ymin})`);
    assert.ok(drawn[3] > o.bndbox.ymax, `the shadow reaches below the feet (drawn bottom ${drawn[3]}, box bottom ${o.bndbox.ymax})`);
    // the character itself: the id pass's pixels agree with the projected box
    near(r.objects[0]!.pixelBox!, o.bndbox, 1, 'id pixels');
  });

  test('a character hidden behind another is difficult; one cut by the frame is clipped and truncated', async () => {
    const front = await standIn('cog_sb_coldcaller', 6, [0.5, 0.1, 0.2]);
    const back = await standIn('toon_dog', 3.5, [0.9, 0.55, 0.2]);
    const fu = page.provide('front.glb', { bytes: front.glb, type: 'model/gltf-binary' });
    const bu = page.provide('back.glb', { bytes: back.glb, type: 'model/gltf-binary' });
    const r = await page.render(plan([
      { id: 0, label: front.label, glb: fu, position: [0, 0, 0], yaw: 0 },
      { id: 1, label: back.label, glb: bu, position: [0, 0, 4], yaw: 0 },
      { id: 2, label: back.label, glb: bu, position: [-6.5, 0, 2], yaw: 0 },
    ]));
    const [f, b, cut] = r.objects.map((o, i) => labelObject(i === 0 ? front.label : back.label, 'Unspecified', o, W, H));
    assert.ok(f && b && cut);
    assert.equal(f.difficult, 0);
    assert.ok(b.visible < 0.4, `the Toon behind is mostly hidden (${b.visible.toFixed(2)} seen)`);
    assert.equal(b.difficult, 1);
    assert.equal(cut.truncated, 1);
    // three.js looks down +Z with -X on the right: the third figure is cut by the right edge
    assert.equal(cut.bndbox.xmax, W, 'clipped at the right edge');
    assert.ok(cut.bndbox.xmin > W / 2);
    for (const o of [f, b, cut]) {
      assert.ok(o.bndbox.xmin >= 0 && o.bndbox.ymin >= 0 && o.bndbox.xmax <= W && o.bndbox.ymax <= H, 'inside the image');
    }
  });

  test('a character behind a set piece is hidden: no box; half behind it: difficult', async () => {
    const toon = await standIn('toon_dog', 3.5, [0.9, 0.55, 0.2]);
    const wall = await standInBox(3, 8, 0.5);
    const tu = page.provide('hidden.glb', { bytes: toon.glb, type: 'model/gltf-binary' });
    const wu = page.provide('wall.glb', { bytes: wall, type: 'model/gltf-binary' });
    const r = await page.render({
      ...plan([
        { id: 0, label: toon.label, glb: tu, position: [0, 0, 6], yaw: 0 },
        { id: 1, label: toon.label, glb: tu, position: [-1.6, 0, 6], yaw: 0 },
      ]),
      set: { planes: [], props: [{ glb: wu, position: [0, 0, 2], yaw: 0 }] },
    });
    assert.equal(labelObject(toon.label, 'Unspecified', r.objects[0]!, W, H), null, 'wholly behind the wall: not labelled');
    const half = labelObject(toon.label, 'Unspecified', r.objects[1]!, W, H);
    assert.ok(half && half.visible > 0.05 && half.visible < 0.5, `partly behind it (${half?.visible.toFixed(2)} seen)`);
    assert.equal(half!.difficult, 1);
  });

  test("the game's own Cog and Toon: boxes snug from head (or hat) to feet", { skip: existsSync(GAME_ASSETS) ? false : `needs the game's assets at ${GAME_ASSETS} (not found)` }, async () => {
    const { openAssets, buildCog, buildToon } = await import('../src/game/index.ts');
    const assets = await openAssets([GAME_ASSETS]);
    try {
      for (const [i, c] of [await buildCog(assets, 'cog_lb_bigwig', { animation: 'walk', frame: 3 }), await buildToon(assets, 'dog', { animation: 'neutral', seed: 2 })].entries()) {
        const url = page.provide(`game-${i}.glb`, { bytes: c.glb, type: 'model/gltf-binary' });
        const r = await page.render(plan([{ id: 0, label: c.label, glb: url, position: [0, 0, 0], yaw: 2.5 }], { fov: 40, position: [0, 4, -14], target: [0, 2.5, 0] }));
        const o = labelObject(c.label, 'Unspecified', r.objects[0]!, W, H)!;
        assert.ok(o.bndbox.ymax - o.bndbox.ymin > 60, `${c.label} is large enough to judge (${o.bndbox.ymax - o.bndbox.ymin} px)`);
        near((await drawnBox(r.image))!, o.bndbox, 2, c.label);
      }
    } finally {
      await assets.close();
    }
  });
});
