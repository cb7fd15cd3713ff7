// Composes one scene as the game's third-person camera sees it, from a seed and an index alone (same
// seed and index, same scene): the light (day, dusk, night, indoor), the camera (behind and above the
// player's Toon, looking slightly down), a set (sets.ts: streets, playgrounds and rooms of the game's own
// buildings and textures, or a real screenshot's empty region), and 1-6 Cogs and Toons posed with the
// game's animations, standing where the set lets them, from near
// (half the frame high) to far (30-40 px in 600), from any side, in three layouts:
//  - street: characters scattered over the ground, sometimes the player's own Toon from behind;
//  - battle: Cogs in a row facing a row of Toons, the pair seen from any side;
//  - crowd: characters close together, overlapping.
import type { Rng } from '../synth/rng.ts';
import { depthForShare, lookTarget, toNdc, type GameCamera } from './camera.ts';
import type { CharacterSource, PoseOptions, PosedCharacter } from './characters.ts';
import { cogNametag, toonNametag, COG_FONT, TOON_FONT } from './nametag.ts';
import type { LightPlan, NametagPlan, Rgb, Vec3 } from './plan.ts';
import { chooseSet, type SetContext, type SetPlan } from './sets.ts';

export const LIGHTINGS = ['day', 'dusk', 'night', 'indoor'] as const;
export type Lighting = (typeof LIGHTINGS)[number];
export const LAYOUTS = ['street', 'battle', 'crowd'] as const;
export type Layout = (typeof LAYOUTS)[number];

export interface ComposeContext {
  width: number;
  height: number;
  source: CharacterSource;
  animations: { cog: readonly string[]; toon: readonly string[] };
  sets: SetContext;
  fonts: ReadonlyMap<string, string>;
}

export interface ComposedCharacter {
  label: string;
  kind: 'cog' | 'toon';
  pose: PoseOptions;
  built: PosedCharacter;
  position: Vec3;
  yaw: number;
  player: boolean;
  nametag?: NametagPlan;
  /** VOC pose seen from the camera: Frontal, Rear, Left, Right */
  vocPose: string;
}

/** A real screenshot's region behind the set: which (a number the backdrop picker draws from), tint, blur. */
export interface ScreenshotBackdrop {
  pick: number;
  tint: Rgb;
  blurPx: number;
}

export interface ComposedScene {
  index: number;
  lighting: Lighting;
  layout: Layout;
  camera: GameCamera;
  light: LightPlan;
  set: SetPlan;
  screenshot?: ScreenshotBackdrop;
  characters: ComposedCharacter[];
  blurPx: number;
}

/**
 * Light in shares of the surface colour (ambient + sun at full incidence). ToonTown lights its characters
 * brightly at every hour (its night is a dark sky, not dark Toons): dusk and night tint more than they dim.
 */
function lightFor(lighting: Lighting, rng: Rng): LightPlan {
  const dir = (elevationDeg: number): Vec3 => {
    const az = rng.range(0, 2 * Math.PI);
    const el = (elevationDeg * Math.PI) / 180;
    return [Math.cos(el) * Math.sin(az), Math.sin(el), Math.cos(el) * Math.cos(az)];
  };
  switch (lighting) {
    case 'day':
      return { name: 'day', ambient: [1, 1, 1], ambientIntensity: rng.range(0.8, 0.95), directional: [{ colour: [1, 0.97, 0.92], intensity: rng.range(0.3, 0.45), direction: dir(rng.range(35, 75)) }] };
    case 'dusk':
      return { name: 'dusk', ambient: [1, 0.95, 0.9], ambientIntensity: rng.range(0.75, 0.9), directional: [{ colour: [1, 0.82, 0.65], intensity: rng.range(0.3, 0.45), direction: dir(rng.range(8, 25)) }] };
    case 'night':
      return { name: 'night', ambient: [0.9, 0.92, 1], ambientIntensity: rng.range(0.7, 0.85), directional: [{ colour: [0.8, 0.86, 1], intensity: rng.range(0.2, 0.35), direction: dir(rng.range(30, 70)) }] };
    case 'indoor':
      return { name: 'indoor', ambient: [1, 0.97, 0.9], ambientIntensity: rng.range(0.78, 0.9), directional: [{ colour: [1, 0.95, 0.85], intensity: rng.range(0.25, 0.4), direction: dir(rng.range(55, 85)) }] };
  }
}

/** Backdrop tints of real screenshots (multiplied per channel). */
function tintFor(lighting: Lighting, rng: Rng): Rgb {
  const j = () => rng.range(0.95, 1.05);
  switch (lighting) {
    case 'day':
      return [j(), j(), j()];
    case 'dusk':
      return [1.0 * j(), 0.84 * j(), 0.72 * j()];
    case 'night':
      return [0.5 * j(), 0.56 * j(), 0.78 * j()];
    case 'indoor':
      return [0.95 * j(), 0.9 * j(), 0.82 * j()];
  }
}

function weighted<T>(rng: Rng, items: readonly [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [v, w] of items) if ((r -= w) < 0) return v;
  return items[items.length - 1]![0];
}

function vocPose(yaw: number, position: Vec3, cam: GameCamera): string {
  // facing (sin yaw, 0, cos yaw); the camera's right is +X... as seen on screen, +X is to the left
  // (three.js looks down +Z with +X to the screen's left)
  const fx = Math.sin(yaw);
  const fz = Math.cos(yaw);
  const tx = cam.position[0] - position[0];
  const tz = cam.position[2] - position[2];
  const n = Math.hypot(tx, tz) || 1;
  const toward = (fx * tx + fz * tz) / n;
  if (toward > 0.7) return 'Frontal';
  if (toward < -0.7) return 'Rear';
  return fx > 0 ? 'Left' : 'Right';
}

/** The characters of a layout: kinds first (labels and poses are drawn after). */
function castFor(layout: Layout, rng: Rng): { kinds: ('cog' | 'toon')[]; player: boolean } {
  if (layout === 'battle') {
    const cogs = rng.int(1, 4);
    const toons = rng.int(1, Math.min(4, 6 - cogs));
    return { kinds: [...Array(cogs).fill('cog'), ...Array(toons).fill('toon')], player: false };
  }
  const n = layout === 'crowd' ? rng.int(3, 6) : weighted(rng, [[1, 2], [2, 3], [3, 3], [4, 2], [5, 1], [6, 1]] as [number, number][]);
  const player = layout === 'street' && rng.chance(0.25);
  const kinds: ('cog' | 'toon')[] = [];
  for (let i = 0; i < n; i++) kinds.push(i === 0 && player ? 'toon' : rng.chance(0.5) ? 'cog' : 'toon');
  return { kinds, player };
}

/**
 * Characters on the streets mostly stand, walk or run (Toons) and stand or walk (Cogs); the game's other
 * animations (battle reactions, emotes) make up the rest.
 */
const COMMON_ANIMATIONS: Record<'cog' | 'toon', [string, number][]> = {
  cog: [['neutral', 0.35], ['walk', 0.35]],
  toon: [['neutral', 0.3], ['walk', 0.2], ['run', 0.1]],
};

function pickAnimation(anims: readonly string[], kind: 'cog' | 'toon', rng: Rng): string | undefined {
  if (!anims.length) return undefined;
  let r = rng.next();
  for (const [name, w] of COMMON_ANIMATIONS[kind]) {
    if ((r -= w) < 0 && anims.includes(name)) return name;
  }
  return rng.pick(anims);
}

/**
 * Which way a character faces (yaw) at `p`: any side, a third of the time turned towards the camera
 * (people on the streets look at the player's Toon; the rest walk about).
 */
function facing(rng: Rng, p: Vec3, cam: GameCamera): number {
  const towards = Math.atan2(cam.position[0] - p[0], cam.position[2] - p[2]);
  return rng.chance(0.35) ? towards + rng.range(-Math.PI / 2, Math.PI / 2) : rng.range(0, 2 * Math.PI);
}

function logUniform(rng: Rng, a: number, b: number): number {
  return Math.exp(rng.range(Math.log(a), Math.log(b)));
}

const height = (c: PosedCharacter) => c.bounds.max[1] - Math.min(0, c.bounds.min[1]);
const radius = (c: PosedCharacter) => 0.5 * Math.max(c.bounds.max[0] - c.bounds.min[0], c.bounds.max[2] - c.bounds.min[2]);

/** Shares of the frame height: far (about 33 px in 600) to near (half the frame). */
export const MIN_SHARE = 0.055;
export const MAX_SHARE = 0.5;

export async function composeScene(ctx: ComposeContext, rng: Rng, index: number): Promise<ComposedScene> {
  const lighting = weighted<Lighting>(rng, [['day', 0.55], ['dusk', 0.12], ['night', 0.08], ['indoor', 0.25]]);
  const layout = weighted<Layout>(rng, [['street', 0.5], ['battle', 0.3], ['crowd', 0.2]]);
  const { kinds, player } = castFor(layout, rng);
  const labels = kinds.map((k) => rng.pick(k === 'cog' ? ctx.source.cogLabels : ctx.source.toonLabels));
  const poses: PoseOptions[] = kinds.map((k) => {
    const pose: PoseOptions = {};
    const anim = pickAnimation(ctx.animations[k], k, rng);
    if (anim) pose.animation = anim;
    pose.frame = rng.int(0, 11);
    // a Toon's looks and clothes, a Cog's level
    pose.seed = k === 'toon' ? rng.int(0, 2 ** 31 - 1) : rng.int(0, 4);
    return pose;
  });
  const built = await Promise.all(labels.map((l, i) => ctx.source.build(l, poses[i]!)));

  // the camera: behind and above the player's Toon, looking slightly down
  const aspect = ctx.width / ctx.height;
  const cam: GameCamera = {
    fov: rng.range(34, 44),
    aspect,
    position: [0, rng.range(4, 8), 0],
    pitch: (rng.range(2, 13) * Math.PI) / 180,
  };
  const tHalf = Math.tan((cam.fov * Math.PI) / 360) * aspect;
  const set = await chooseSet(ctx.sets, rng, lighting);
  const w = set.walkable;
  /** the nearest point where the set lets a character of radius r stand */
  const settle = (p: Vec3, r: number): Vec3 => {
    let x = Math.min(w.centre + w.halfWidth - r, Math.max(w.centre - w.halfWidth + r, p[0]));
    let z = Math.min(w.zMax, Math.max(w.zMin, p[2]));
    for (const [bx, bz, br] of w.blocked) {
      const d = Math.hypot(x - bx, z - bz);
      if (d < br + r) {
        const k = (br + r + 0.5) / (d || 1);
        x = bx + (x - bx) * k;
        z = bz + (z - bz) * k;
      }
    }
    return [x, 0, z];
  };
  const positions: Vec3[] = [];
  const yaws: number[] = [];
  const fits = (p: Vec3, r: number, upTo: number) =>
    positions.slice(0, upTo).every((q, j) => Math.hypot(q[0] - p[0], q[2] - p[2]) > 0.8 * (r + radius(built[j]!)));
  const feetVisible = (p: Vec3) => toNdc(cam, p).y > -0.97;
  /** a ground point for a character to cover `share` of the frame, at lateral fraction ux */
  const place = (h: number, share: number, ux: number): Vec3 => {
    let { x, z } = depthForShare(cam, h, share, ux);
    // mostly keep the feet in the frame (the camera looks down): step back until they are
    for (let k = 0; k < 60 && !feetVisible([x, 0, z]) && rng.chance(0.985); k++) {
      z *= 1.05;
      x = ux * tHalf * z;
    }
    return [x, 0, z];
  };

  if (layout === 'battle') {
    // Cogs on one side, Toons on the other, the battle seen from any side
    const cogs = built.filter((_, i) => kinds[i] === 'cog');
    const share = logUniform(rng, MIN_SHARE * 1.3, MAX_SHARE * 0.7);
    const tallest = Math.max(...cogs.map(height));
    const centre = place(tallest, share, rng.range(-0.5, 0.5));
    centre[2] += 6;
    const roomy = settle(centre, 7);
    centre[0] = roomy[0];
    centre[2] = roomy[2];
    const theta = rng.range(0, 2 * Math.PI);
    const gap = rng.range(3.5, 6);
    const rows: Record<'cog' | 'toon', number[]> = { cog: [], toon: [] };
    kinds.forEach((k, i) => rows[k].push(i));
    for (const k of ['cog', 'toon'] as const) {
      const row = rows[k];
      const spacing = k === 'cog' ? rng.range(3.5, 5) : rng.range(2.8, 4);
      row.forEach((i, j) => {
        const along = (j - (row.length - 1) / 2) * spacing;
        const across = (k === 'cog' ? 1 : -1) * gap + rng.range(-0.6, 0.6);
        const lx = along;
        const lz = across + Math.abs(along) * 0.15 * (k === 'cog' ? 1 : -1);
        positions[i] = settle([centre[0] + lx * Math.cos(theta) + lz * Math.sin(theta), 0, centre[2] - lx * Math.sin(theta) + lz * Math.cos(theta)], 1);
        // face the other row
        yaws[i] = theta + (k === 'cog' ? Math.PI : 0) + rng.range(-0.35, 0.35);
      });
    }
  } else if (layout === 'crowd') {
    const share = logUniform(rng, MIN_SHARE * 1.5, MAX_SHARE * 0.8);
    const centre = settle(place(height(built[0]!), share, rng.range(-0.6, 0.6)), 4);
    const spread = rng.range(1.5, 4.5);
    built.forEach((c, i) => {
      let p: Vec3 = [centre[0], 0, centre[2]];
      for (let k = 0; k < 30; k++) {
        p = settle([centre[0] + rng.range(-spread, spread) * 1.5, 0, centre[2] + rng.range(-spread, spread)], radius(c));
        if (fits(p, radius(c), i)) break;
      }
      positions[i] = p;
      yaws[i] = facing(rng, p, cam);
    });
  } else {
    built.forEach((c, i) => {
      if (i === 0 && player) {
        // the player's own Toon from behind, low in the middle of the frame
        const share = rng.range(0.25, 0.45);
        positions[i] = settle(place(height(c), share, rng.range(-0.12, 0.12)), radius(c));
        yaws[i] = rng.range(-0.4, 0.4);
        return;
      }
      let p: Vec3 = [0, 0, 10];
      for (let k = 0; k < 30; k++) {
        const ux = rng.chance(0.1) ? rng.range(0.9, 1.15) * (rng.chance(0.5) ? 1 : -1) : rng.range(-0.9, 0.9);
        p = settle(place(height(c), logUniform(rng, MIN_SHARE, MAX_SHARE), ux), radius(c));
        if (fits(p, radius(c), i)) break;
      }
      positions[i] = p;
      yaws[i] = facing(rng, p, cam);
    });
  }

  const screenshot: ScreenshotBackdrop | undefined = set.screenshot
    ? { pick: rng.int(0, 1 << 30), tint: tintFor(lighting, rng), blurPx: rng.chance(0.3) ? rng.range(0.3, 1) : 0 }
    : undefined;

  const characters: ComposedCharacter[] = built.map((b, i) => {
    const kind = kinds[i]!;
    const show = rng.chance(0.95);
    const tag = kind === 'cog' ? cogNametag(labels[i]!, rng, ctx.fonts.has(COG_FONT), b.nametag) : toonNametag(rng, ctx.fonts.has(TOON_FONT));
    return {
      label: labels[i]!,
      kind,
      pose: poses[i]!,
      built: b,
      position: positions[i]!,
      yaw: yaws[i]!,
      player: i === 0 && player,
      ...(show ? { nametag: tag } : {}),
      vocPose: vocPose(yaws[i]!, positions[i]!, cam),
    };
  });
  return { index, lighting, layout, camera: cam, light: lightFor(lighting, rng), set, ...(screenshot ? { screenshot } : {}), characters, blurPx: rng.chance(0.35) ? rng.range(0.2, 0.6) : 0 };
}

/** The camera as the page takes it. */
export function cameraPlan(cam: GameCamera): { fov: number; position: Vec3; target: Vec3; near: number; far: number } {
  return { fov: cam.fov, position: cam.position, target: lookTarget(cam), near: 0.5, far: 1500 };
}
