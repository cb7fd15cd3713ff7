// An animated street for the agent's `demo` source: Toons and Cogs walk across the street in lanes
// at different depths (passing in front of each other), a few stand and wave.
//
// Speed: everything is rendered from SVG once, in createDemoScene (background, every sprite of
// every pose, nametags, shadows). frame(t) only copies the background and alpha-blits the sprites
// into a fresh RGB buffer (see raster.ts): rendering SVG per frame would take tens of milliseconds per
// entity with librsvg, far too slow for 20+ frames per second.
import type { RgbImage } from '../image.ts';
import { byDepth, compose, type Placed, type SceneObject } from './compose.ts';
import { dealLabel, randomEntity, randomPose, renderEntity, renderNametag, renderShadow, type EntitySprite } from './entity.ts';
import { applyLighting, lightingLuts, sideShade, svgToRgba, type RgbaImage } from './raster.ts';
import { rngFor } from './rng.ts';
import { nametagPx, randomLighting, randomShading, rgbaToRgb, SCALE_FAR, SCALE_NEAR, vocPose } from './scene.ts';
import { streetSvg } from './background.ts';

export interface DemoOptions {
  seed?: number | string;
  width?: number;
  height?: number;
  /** walking lanes (default 6) */
  lanes?: number;
  /**
   * Frame buffers to recycle in turn (default 0: every frame gets a fresh buffer the caller may keep).
   * With N > 0 a frame's pixels stay valid only until N later frames were made: this saves the
   * garbage collector a 1.4 MB buffer per frame, for callers that use each frame at once.
   */
  ring?: number;
}

export interface DemoFrame {
  image: RgbImage;
  objects: SceneObject[];
}

export interface DemoScene {
  width: number;
  height: number;
  /** The frame at `t` seconds: the same t always gives the same pixels (a fresh buffer unless DemoOptions.ring says otherwise). */
  frame(t: number): DemoFrame;
}

interface Actor {
  label: string;
  pose: string;
  /** walking frames (a stride cycle) or standing frames (arms down, waving) */
  sprites: EntitySprite[];
  tag: RgbaImage;
  shadow: RgbaImage;
}

interface Lane {
  footY: number;
  dir: 1 | -1;
  speed: number;
  phase: number;
  actors: Actor[];
  /** stride cycles per second */
  steps: number;
}

interface Stander {
  footY: number;
  x: number;
  actor: Actor;
  period: number;
}

const STRIDES = [0, 0.8, 0, -0.8];

async function makeActor(seed: number | string, kind: 'cog' | 'toon', slot: number, walking: boolean, right: boolean, scale: number, k: number): Promise<Actor> {
  const rng = rngFor(seed, 'demo-actor', kind, slot);
  const label = dealLabel(`${seed}:demo`, kind, slot);
  const entity = randomEntity(rng, label);
  const base = randomPose(rng, walking ? (right ? 'right' : 'left') : rng.pick(['front', 'front', 'back'] as const));
  const poses = walking
    ? STRIDES.map((stride) => ({ ...base, armL: 15, armR: 15, stride }))
    : [{ ...base, armL: 14, armR: 14 }, { ...base, armL: 14, armR: 150 }];
  const ppu = scale * k;
  const sprites = await Promise.all(poses.map((p) => renderEntity(entity, p, ppu)));
  const tag = await renderNametag(entity, nametagPx(scale, k));
  const first = sprites[0]!;
  const w = (first.box.xmax - first.box.xmin) * 0.9;
  const shadow = await renderShadow(w, Math.max(3, w * 0.22));
  return { label, pose: vocPose(base.view), sprites, tag, shadow };
}

export async function createDemoScene(opts: DemoOptions = {}): Promise<DemoScene> {
  const seed = opts.seed ?? 1;
  const width = opts.width ?? 800;
  const height = opts.height ?? 600;
  const k = height / 600;
  const rng = rngFor(seed, 'demo');
  const street = streetSvg(rng, width, height);
  const lighting = randomLighting(rng);
  const shading = randomShading(rng);
  const nLanes = opts.lanes ?? 6;
  const lanes: Lane[] = [];
  const jobs: Promise<unknown>[] = [];
  let cogs = 0;
  let toons = 0;
  const scaleAt = (footY: number) => SCALE_FAR + ((SCALE_NEAR - SCALE_FAR) * (footY - street.groundFar)) / (street.groundNear - street.groundFar);
  for (let l = 0; l < nLanes; l++) {
    const tt = (l + rng.range(0.15, 0.85)) / nLanes;
    const footY = street.groundFar + tt * tt * (street.groundNear - street.groundFar) * 0.97;
    const scale = scaleAt(footY);
    const dir = rng.chance(0.5) ? 1 : -1;
    const lane: Lane = { footY, dir, speed: rng.range(50, 110) * scale * k, phase: rng.next(), actors: [], steps: rng.range(1.4, 2.2) };
    lanes.push(lane);
    for (let a = 0; a < 2; a++) {
      const kind = (l + a) % 2 === 0 ? 'cog' : 'toon';
      const slot = kind === 'cog' ? cogs++ : toons++;
      jobs.push(makeActor(seed, kind, slot, true, dir === 1, scale, k).then((actor) => { lane.actors[a] = actor; }));
    }
  }
  const standers: Stander[] = [];
  for (let s = 0; s < 2; s++) {
    const footY = street.groundFar + rng.range(0.1, 0.6) * (street.groundNear - street.groundFar);
    const kind = s === 0 ? 'toon' : 'cog';
    const slot = kind === 'cog' ? cogs++ : toons++;
    const stander: Stander = { footY, x: rng.range(0.15, 0.85) * width, actor: undefined as unknown as Actor, period: rng.range(2, 4) };
    standers.push(stander);
    jobs.push(makeActor(seed, kind, slot, false, false, scaleAt(footY), k).then((actor) => { stander.actor = actor; }));
  }
  const bgJob = svgToRgba(street.svg);
  await Promise.all(jobs);
  const bg = await bgJob;
  // lighting once, on the background and every sprite
  const luts = lightingLuts(lighting);
  applyLighting(bg.data, 4, luts);
  for (const a of [...lanes.flatMap((l) => l.actors), ...standers.map((s) => s.actor)]) {
    for (const sp of a.sprites) {
      sideShade(sp, shading.fromLeft, shading.strength);
      applyLighting(sp.data, 4, luts);
    }
  }
  const background = rgbaToRgb(bg.data);
  const owner = new Int16Array(width * height);
  const ring = Array.from({ length: Math.max(0, opts.ring ?? 0) }, () => new Uint8Array(background.length));
  let next = 0;

  function place(actor: Actor, sprite: EntitySprite, footX: number, footY: number): Placed {
    const x = Math.round(footX - sprite.footX);
    const y = Math.round(footY - sprite.footY);
    const bx = sprite.box;
    const cx = x + (bx.xmin + bx.xmax) / 2;
    const w = actor.shadow.width;
    return {
      label: actor.label, pose: actor.pose, sprite, x, y,
      tag: actor.tag, tagX: Math.round(cx - actor.tag.width / 2), tagY: y + bx.ymin - Math.round(4 * k) - actor.tag.height,
      shadow: actor.shadow, shadowX: Math.round(cx - w / 2), shadowY: Math.round(footY - actor.shadow.height / 2),
    };
  }

  return {
    width,
    height,
    frame(t: number): DemoFrame {
      const placed: Placed[] = [];
      for (const lane of lanes) {
        const margin = 160 * k;
        const span = width + 2 * margin;
        const travelled = lane.phase * span + lane.speed * t;
        const cycle = Math.floor(travelled / span);
        const along = travelled - cycle * span;
        const footX = lane.dir === 1 ? along - margin : width + margin - along;
        const actor = lane.actors[((cycle % 2) + 2) % 2]!;
        const step = Math.floor((t * lane.steps * STRIDES.length) % STRIDES.length);
        placed.push(place(actor, actor.sprites[(step + STRIDES.length) % STRIDES.length]!, footX, lane.footY));
      }
      for (const s of standers) {
        const waving = (t / s.period) % 1 > 0.6 ? 1 : 0;
        placed.push(place(s.actor, s.actor.sprites[waving]!, s.x, s.footY));
      }
      placed.sort(byDepth);
      const out = ring.length ? ring[next] : undefined;
      if (ring.length) next = (next + 1) % ring.length;
      return compose(background, width, height, placed, owner, 0.25, out);
    },
  };
}
