// The places scenes happen in, laid out around the camera (at x = 0, z = 0, looking down +Z):
//  - street: a cobblestone road between sidewalks, lined with the game's landmark buildings and plain
//    coloured houses with windows and doors, trees far away;
//  - cogstreet: the same in grey, with the Cogs' buildings;
//  - playground: a lawn with the game's gazebo, trolley station or pond;
//  - room: one of the game's interiors (houses, shops, Toon HQ);
//  - screenshot: nothing but a real screenshot's empty region as the backdrop.
// Each set says where characters may stand (walkable) and which pieces hide what is behind them.
import type { Rng } from '../synth/rng.ts';
import type { SetTextureKind } from './backgrounds.ts';
import type { PlanePlan, Rgb, Vec3 } from './plan.ts';
import type { PropRole } from './props.ts';

export const SET_KINDS = ['screenshot', 'street', 'cogstreet', 'playground', 'room'] as const;
export type SetKind = (typeof SET_KINDS)[number];

export interface PropPlacement {
  path: string;
  position: Vec3;
  yaw: number;
  /** meshes whose name contains `match` get this colour (the game colours them from its DNA) */
  tints?: { match: string; colour: Rgb; texture?: string; repeat?: [number, number] }[];
}

export interface Walkable {
  /** |x - centre| <= halfWidth */
  centre: number;
  halfWidth: number;
  zMin: number;
  zMax: number;
  /** circles nobody stands in (x, z, radius) */
  blocked: [number, number, number][];
}

export interface SetPlan {
  kind: SetKind;
  /** the backdrop: a real screenshot region (true), a texture (path), else a flat colour */
  screenshot: boolean;
  sky?: string;
  colour: Rgb;
  planes: PlanePlan[];
  props: PropPlacement[];
  walkable: Walkable;
}

export type Bounds = { min: [number, number, number]; max: [number, number, number] };

/** What a set may use: the game's textures by kind, its set pieces by role and their footprints. */
export interface SetContext {
  textures: Partial<Record<SetTextureKind, string[]>>;
  /** game paths of the set pieces the assets have, by role */
  props: Partial<Record<PropRole, string[]>>;
  /** a set piece's bounds (built on first use), null when it cannot be read */
  bounds(path: string): Promise<Bounds | null>;
  screenshots: number;
}

/** One of `paths` that can be read, with its bounds (null when none). */
async function pickProp(ctx: SetContext, rng: Rng, paths: readonly string[] | undefined): Promise<{ path: string; bounds: Bounds } | null> {
  if (!paths?.length) return null;
  const first = rng.int(0, paths.length - 1);
  for (let k = 0; k < paths.length; k++) {
    const path = paths[(first + k) % paths.length]!;
    const bounds = await ctx.bounds(path);
    if (bounds) return { path, bounds };
  }
  return null;
}

/** ToonTown's building colours (walls of the plain houses). */
const WALL_COLOURS: Rgb[] = [
  [0.98, 0.63, 0.27], [0.99, 0.87, 0.35], [0.95, 0.52, 0.5], [0.55, 0.8, 0.55], [0.6, 0.75, 0.95], [0.93, 0.45, 0.25], [0.85, 0.7, 0.95], [0.98, 0.75, 0.55],
];
const COG_WALL_COLOURS: Rgb[] = [[0.55, 0.55, 0.58], [0.45, 0.47, 0.5], [0.62, 0.6, 0.58], [0.4, 0.42, 0.48]];
const WINDOW_COLOURS: Rgb[] = [[0.2, 0.55, 0.35], [0.25, 0.45, 0.75], [0.55, 0.3, 0.6], [0.15, 0.5, 0.55]];

const unlimited = (): Walkable => ({ centre: 0, halfWidth: Infinity, zMin: 1, zMax: Infinity, blocked: [] });

/** A plain house front facing the road: a coloured wall with windows and a door, as planes. */
function house(rng: Rng, side: number, x: number, z0: number, width: number, cog: boolean, wallTextures: string[] | undefined): PlanePlan[] {
  const h = rng.range(18, 36);
  const rot: Vec3 = [0, -side * Math.PI / 2, 0];
  const zc = z0 + width / 2;
  const wallTexture = wallTextures && rng.chance(cog ? 0.7 : 0.3) ? rng.pick(wallTextures) : undefined;
  const planes: PlanePlan[] = [{
    size: [width, h], position: [x, h / 2, zc], rotation: rot, colour: rng.pick(cog ? COG_WALL_COLOURS : WALL_COLOURS),
    ...(wallTexture ? { texture: wallTexture, repeat: [width / 12, h / 12] as [number, number] } : {}),
  }];
  // windows in rows, a door at the bottom; each slightly in front of the wall (towards the road)
  const inset = (d: number) => x - side * d;
  const glass = rng.pick(cog ? [[0.3, 0.35, 0.4] as Rgb] : WINDOW_COLOURS);
  const cols = Math.max(1, Math.floor(width / 10));
  const rows = Math.max(1, Math.floor((h - 8) / 10));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (r === 0 && c === Math.floor(cols / 2)) continue;
      const wz = z0 + (c + 0.5) * (width / cols);
      const wy = 8 + r * 10 + 3;
      planes.push({ size: [4.6, 5.6], position: [inset(0.08), wy, wz], rotation: rot, colour: cog ? [0.7, 0.7, 0.7] : [0.98, 0.96, 0.85] });
      planes.push({ size: [3.6, 4.6], position: [inset(0.12), wy, wz], rotation: rot, colour: glass });
    }
  }
  const dz = z0 + (Math.floor(cols / 2) + 0.5) * (width / cols);
  planes.push({ size: [5, 8.5], position: [inset(0.1), 4.25, dz], rotation: rot, colour: cog ? [0.3, 0.3, 0.33] : rng.pick(WINDOW_COLOURS) });
  return planes;
}

/** A set piece's footprint along the road when its front faces the road from `side`. */
function alongRoad(b: Bounds, side: number): { width: number; depth: number; front: number } {
  // turned by -side * 90 degrees: local X runs along the road, local +Z (its front) towards the road
  return { width: b.max[0] - b.min[0], depth: b.max[2] - b.min[2], front: b.max[2] };
}

async function streetSet(ctx: SetContext, rng: Rng, lighting: string, cog: boolean): Promise<SetPlan> {
  const t = ctx.textures;
  const planes: PlanePlan[] = [];
  const props: PropPlacement[] = [];
  const half = rng.range(14, 24);
  const walk = rng.range(8, 12);
  const centre = rng.range(-0.5, 0.5) * half;
  const tile = rng.range(7, 11);
  const road = cog ? t.floor?.filter((f) => /Cement/i.test(f)) : t.ground?.filter((f) => /cobble/i.test(f));
  const roadTex = road?.length ? rng.pick(road) : undefined;
  planes.push({
    size: [2 * half, 700], position: [centre, 0, 320], rotation: [-Math.PI / 2, 0, 0], colour: roadTex ? [1, 1, 1] : cog ? [0.5, 0.5, 0.52] : [0.85, 0.72, 0.5],
    ...(roadTex ? { texture: roadTex, repeat: [(2 * half) / tile, 700 / tile] as [number, number] } : {}),
  });
  const sidewalks = cog ? undefined : t.ground?.filter((f) => /sidewalk/i.test(f));
  const swTex = sidewalks?.length ? rng.pick(sidewalks) : undefined;
  for (const side of [-1, 1]) {
    planes.push({
      size: [walk, 700], position: [centre + side * (half + walk / 2), 0.03, 320], rotation: [-Math.PI / 2, 0, 0],
      colour: swTex ? [1, 1, 1] : cog ? [0.6, 0.6, 0.62] : [0.92, 0.82, 0.62], ...(swTex ? { texture: swTex, repeat: [walk / 6, 700 / 6] as [number, number] } : {}),
    });
    // the buildings: the game's landmarks now and then, plain houses between
    const landmarks = cog ? ctx.props['cog-street'] : ctx.props['toon-street'];
    const frontX = centre + side * (half + walk);
    let z = rng.range(-40, 0);
    while (z < 420) {
      const lm = landmarks?.length && rng.chance(cog ? 0.5 : 0.3) ? await pickProp(ctx, rng, landmarks) : null;
      if (lm) {
        const f = alongRoad(lm.bounds, side);
        const yaw = -side * Math.PI / 2;
        // world = (x cos + z sin, y, -x sin + z cos) + position; with sin = -side: local z -> -side x, local x -> side z
        const px = frontX + side * f.front + side * rng.range(0, 2);
        const pz = side > 0 ? z - lm.bounds.min[0] : z + lm.bounds.max[0];
        props.push({ path: lm.path, position: [px, 0, pz], yaw });
        z += f.width + rng.range(0, 4);
      } else {
        const w = rng.range(18, 40);
        planes.push(...house(rng, side, frontX + side * 0.2, z, w, cog, cog ? t.wall?.filter((f) => /Cog|Brick/i.test(f)) : t.wall));
        z += w + rng.range(0, 3);
      }
    }
  }
  const trees = t.trees ? rng.pick(t.trees) : undefined;
  planes.push({ size: [900, 70], position: [centre, 35, 430], rotation: [0, 0, 0], colour: trees ? [1, 1, 1] : [0.3, 0.6, 0.3], ...(trees ? { texture: trees, repeat: [14, 1] as [number, number] } : {}) });
  const sky: Rgb = cog ? [0.55, 0.58, 0.62] : lighting === 'night' ? [0.1, 0.12, 0.3] : lighting === 'dusk' ? [0.95, 0.6, 0.45] : [0.35, 0.6, 0.95];
  return {
    kind: cog ? 'cogstreet' : 'street',
    screenshot: !cog && ctx.screenshots > 0 && rng.chance(0.5),
    ...(t.sky && lighting !== 'night' && !cog ? { sky: rng.pick(t.sky) } : {}),
    colour: sky,
    planes,
    props,
    walkable: { centre, halfWidth: half + walk - 1.5, zMin: 1, zMax: 300, blocked: [] },
  };
}

async function playgroundSet(ctx: SetContext, rng: Rng, lighting: string): Promise<SetPlan> {
  const t = ctx.textures;
  const grass = t.grass ? rng.pick(t.grass) : undefined;
  const planes: PlanePlan[] = [{
    size: [900, 900], position: [0, 0, 300], rotation: [-Math.PI / 2, 0, 0], colour: grass ? [1, 1, 1] : [0.45, 0.75, 0.35],
    ...(grass ? { texture: grass, repeat: [900 / 12, 900 / 12] as [number, number] } : {}),
  }];
  // a dirt or cobblestone path running away from the camera
  const path = t.ground ? rng.pick(t.ground) : undefined;
  const pw = rng.range(12, 30);
  const px = rng.range(-20, 20);
  planes.push({ size: [pw, 900], position: [px, 0.03, 300], rotation: [-Math.PI / 2, 0, 0], colour: path ? [1, 1, 1] : [0.85, 0.72, 0.5], ...(path ? { texture: path, repeat: [pw / 9, 900 / 9] as [number, number] } : {}) });
  const props: PropPlacement[] = [];
  const blocked: [number, number, number][] = [];
  const pieces = ctx.props.playground;
  const count = pieces?.length ? rng.int(1, 3) : 0;
  for (let i = 0; i < count; i++) {
    const p = await pickProp(ctx, rng, pieces);
    if (!p) break;
    const r = 0.5 * Math.max(p.bounds.max[0] - p.bounds.min[0], p.bounds.max[2] - p.bounds.min[2]);
    const pos: Vec3 = [rng.range(-80, 80), 0, rng.range(30 + r, 220)];
    if (blocked.some(([x, z, rr]) => Math.hypot(x - pos[0], z - pos[2]) < r + rr)) continue;
    props.push({ path: p.path, position: pos, yaw: rng.range(0, 2 * Math.PI) });
    blocked.push([pos[0], pos[2], r]);
  }
  const trees = t.trees ? rng.pick(t.trees) : undefined;
  planes.push({ size: [900, 70], position: [0, 35, 420], rotation: [0, 0, 0], colour: trees ? [1, 1, 1] : [0.3, 0.6, 0.3], ...(trees ? { texture: trees, repeat: [14, 1] as [number, number] } : {}) });
  return {
    kind: 'playground',
    screenshot: ctx.screenshots > 0 && rng.chance(0.5),
    ...(t.sky && lighting !== 'night' ? { sky: rng.pick(t.sky) } : {}),
    colour: lighting === 'night' ? [0.1, 0.12, 0.3] : lighting === 'dusk' ? [0.95, 0.6, 0.45] : [0.35, 0.6, 0.95],
    planes,
    props,
    walkable: { centre: 0, halfWidth: Infinity, zMin: 1, zMax: 400, blocked },
  };
}

async function roomSet(ctx: SetContext, rng: Rng): Promise<SetPlan> {
  const t = ctx.textures;
  const room = await pickProp(ctx, rng, ctx.props.room);
  if (room) {
    const b = room.bounds;
    // the camera stands inside, near one end, looking along the room
    const yaw = rng.chance(0.5) ? 0 : Math.PI;
    const halfW = (b.max[0] - b.min[0]) / 2;
    const midX = (b.max[0] + b.min[0]) / 2;
    const offset = rng.range(-0.3, 0.3) * halfW;
    const near = yaw === 0 ? b.min[2] : -b.max[2];
    const far = yaw === 0 ? b.max[2] : -b.min[2];
    const pz = -near - 1.5;
    const px = (yaw === 0 ? -midX : midX) - offset;
    const wall = t.wall ? rng.pick(t.wall) : undefined;
    return {
      kind: 'room', screenshot: false, colour: [0.2, 0.18, 0.15], planes: [],
      props: [{ path: room.path, position: [px, 0, pz], yaw, tints: [{ match: 'wallpaper', colour: rng.pick(WALL_COLOURS), ...(wall ? { texture: wall, repeat: [3, 1] as [number, number] } : {}) }] }],
      walkable: { centre: -offset, halfWidth: halfW - 2, zMin: 2, zMax: far + pz - 2, blocked: [] },
    };
  }
  // no interiors among the assets: a box of the game's floor and wallpaper textures
  const floor = t.floor ? rng.pick(t.floor) : undefined;
  const depth = rng.range(30, 60);
  const half = rng.range(12, 22);
  const high = rng.range(12, 18);
  const wall = t.wall ? rng.pick(t.wall) : undefined;
  const wallColour = rng.pick(WALL_COLOURS);
  const w = (size: [number, number], position: Vec3, rotation: Vec3): PlanePlan => ({ size, position, rotation, colour: wallColour, ...(wall ? { texture: wall, repeat: [size[0] / 8, size[1] / 8] as [number, number] } : {}) });
  return {
    kind: 'room', screenshot: false, colour: [0.2, 0.18, 0.15], props: [],
    planes: [
      { size: [2 * half, depth + 4], position: [0, 0, depth / 2 - 2], rotation: [-Math.PI / 2, 0, 0], colour: floor ? [1, 1, 1] : [0.6, 0.45, 0.3], ...(floor ? { texture: floor, repeat: [half / 4, depth / 8] as [number, number] } : {}) },
      w([2 * half, high], [0, high / 2, depth], [0, Math.PI, 0]),
      w([depth + 4, high], [half, high / 2, depth / 2 - 2], [0, -Math.PI / 2, 0]),
      w([depth + 4, high], [-half, high / 2, depth / 2 - 2], [0, Math.PI / 2, 0]),
    ],
    walkable: { centre: 0, halfWidth: half - 2, zMin: 2, zMax: depth - 2, blocked: [] },
  };
}

/** The set of a scene under `lighting` ('indoor' ones are rooms, or real screenshots now and then). */
export async function chooseSet(ctx: SetContext, rng: Rng, lighting: string): Promise<SetPlan> {
  if (lighting === 'indoor') {
    if (ctx.screenshots > 0 && rng.chance(0.2)) return { kind: 'screenshot', screenshot: true, colour: [0.5, 0.5, 0.5], planes: [], props: [], walkable: unlimited() };
    return roomSet(ctx, rng);
  }
  const kinds: [SetKind, number][] = [['street', 0.5], ['playground', 0.2], ['cogstreet', ctx.props['cog-street']?.length ? 0.07 : 0], ['screenshot', ctx.screenshots > 0 ? 0.25 : 0]];
  const total = kinds.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  let kind: SetKind = 'street';
  for (const [k, w] of kinds) if ((r -= w) < 0) { kind = k; break; }
  if (kind === 'screenshot') return { kind, screenshot: true, colour: [0.5, 0.5, 0.5], planes: [], props: [], walkable: unlimited() };
  if (kind === 'playground') return playgroundSet(ctx, rng, lighting);
  return streetSet(ctx, rng, lighting, kind === 'cogstreet');
}
