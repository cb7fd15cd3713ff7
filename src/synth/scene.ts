// Still scenes: `renderScene` (one scene of a seed, by index) and `writeScenes` (PNG + labelImg VOC XML).
import { loadCogHeads } from './heads.ts';
import { existsSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { formatVoc } from '../dataset/voc.ts';
import type { Box, RgbImage } from '../image.ts';
import { encodePng } from '../image.ts';
import { byDepth, compose, placedBox, type Placed, type SceneObject } from './compose.ts';
import { boxArea, dealLabel, intersect, randomEntity, randomPose, renderEntity, renderNametag, renderShadow, type EntitySprite } from './entity.ts';
import { applyLighting, lightingLuts, sideShade, svgToRgba, type Lighting, type RgbaImage } from './raster.ts';
import { type Rng, rngFor } from './rng.ts';
import { streetSvg } from './background.ts';

export interface SceneOptions {
  seed: number | string;
  index: number;
  width?: number;
  height?: number;
  /** Cog name -> data: URI of a real head render (loadCogHeads) to texture most Cogs with. */
  cogHeads?: ReadonlyMap<string, string>;
}

export interface Scene {
  png: Buffer;
  image: RgbImage;
  objects: SceneObject[];
}

export const MIN_ENTITIES = 3;
export const MAX_ENTITIES = 8;
/** Entity scale from the far edge of the ground to the near edge (before a little jitter). */
export const SCALE_FAR = 0.35;
export const SCALE_NEAR = 1.3;

/** How many entities scene `index` has, which kind comes first, and where its labels start in the decks. */
export interface ScenePlan {
  n: number;
  firstCog: boolean;
  cogBase: number;
  toonBase: number;
}

function planCounts(seed: number | string, index: number): { n: number; firstCog: boolean; cogs: number; toons: number } {
  const r = rngFor(seed, 'plan', index);
  const n = r.int(MIN_ENTITIES, MAX_ENTITIES);
  const firstCog = r.chance(0.5);
  const cogs = firstCog ? Math.ceil(n / 2) : Math.floor(n / 2);
  return { n, firstCog, cogs, toons: n - cogs };
}

/** Per seed, the running totals of Cogs and Toons before each scene (so decks are dealt without gaps). */
const prefixCache = new Map<string, { cogs: number[]; toons: number[] }>();

export function scenePlan(seed: number | string, index: number): ScenePlan {
  const key = String(seed);
  let p = prefixCache.get(key);
  if (!p) {
    if (prefixCache.size > 32) prefixCache.clear();
    p = { cogs: [0], toons: [0] };
    prefixCache.set(key, p);
  }
  while (p.cogs.length <= index) {
    const c = planCounts(seed, p.cogs.length - 1);
    p.cogs.push(p.cogs[p.cogs.length - 1]! + c.cogs);
    p.toons.push(p.toons[p.toons.length - 1]! + c.toons);
  }
  const { n, firstCog } = planCounts(seed, index);
  return { n, firstCog, cogBase: p.cogs[index]!, toonBase: p.toons[index]! };
}

export function randomLighting(rng: Rng): Lighting {
  const b = rng.range(0.75, 1.15);
  return {
    gain: [b * rng.range(0.92, 1.08), b * rng.range(0.92, 1.08), b * rng.range(0.92, 1.08)],
    lift: rng.chance(0.3) ? rng.range(5, 25) : 0,
  };
}

/** The sun's side and how much the far side of each entity darkens. */
export function randomShading(rng: Rng): { fromLeft: boolean; strength: number } {
  return { fromLeft: rng.chance(0.5), strength: rng.range(0.05, 0.35) };
}

/** The VOC pose word of a view. */
export function vocPose(view: string): string {
  return view === 'front' ? 'Frontal' : view === 'back' ? 'Rear' : view === 'left' ? 'Left' : 'Right';
}

function overlaps(a: Box, b: Box): boolean {
  return boxArea(intersect(a, b)) > 0;
}

/** Text height of a nametag for an entity drawn at `scale`. */
export function nametagPx(scale: number, k: number): number {
  return Math.round((8 + 5 * scale) * k);
}

/** Renders scene `index` of `seed`: the same arguments always give the same bytes. */
export async function renderScene(opts: SceneOptions): Promise<Scene> {
  const width = opts.width ?? 800;
  const height = opts.height ?? 600;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 64 || height < 64) {
    throw new RangeError(`synth: scene size ${width}x${height} is too small (at least 64x64)`);
  }
  if (!Number.isInteger(opts.index) || opts.index < 0) throw new RangeError(`synth: scene index must be a whole number >= 0, got ${opts.index}`);
  const k = height / 600;
  const rng = rngFor(opts.seed, 'scene', opts.index);
  const street = streetSvg(rng, width, height);
  const plan = scenePlan(opts.seed, opts.index);
  const n = plan.n;
  // cogs and toons alternate; labels are dealt from the seed's decks (every label equally often)
  let cogs = plan.cogBase;
  let toons = plan.toonBase;
  const groundAt = (t: number) => street.groundFar + t * (street.groundNear - street.groundFar);
  const scaleAt = (t: number, jit: number) => (SCALE_FAR + (SCALE_NEAR - SCALE_FAR) * t) * jit;
  const candidates = [];
  for (let j = 0; j < n; j++) {
    const kind = (j % 2 === 0) === plan.firstCog ? 'cog' : 'toon';
    const label = dealLabel(opts.seed, kind, kind === 'cog' ? cogs++ : toons++);
    const entity = randomEntity(rng, label, opts.cogHeads);
    const pose = randomPose(rng);
    const t = Math.pow(rng.next(), 1.3); // a few more far than near
    candidates.push({ entity, pose, footY: groundAt(t), scale: scaleAt(t, rng.range(0.92, 1.08)) });
  }
  const lighting = randomLighting(rng);
  const shading = randomShading(rng);
  const blur = rng.chance(0.4) ? rng.range(0.4, 0.9) : 0;
  const [bg, ...sprites] = await Promise.all([
    svgToRgba(street.svg),
    ...candidates.map((c) => renderEntity(c.entity, c.pose, c.scale * k)),
  ]);
  const tags = await Promise.all(candidates.map((c) => renderNametag(c.entity, nametagPx(c.scale, k))));
  // place: inside the image, nametag above the head and clear of every other entity, moderate overlap
  const place = rngFor(opts.seed, 'place', opts.index);
  const placed: Placed[] = [];
  const tagBoxes: Box[] = [];
  const gap = Math.round(4 * k);
  const tryPlace = (label: string, view: string, sprite: EntitySprite, tag: RgbaImage, footY: number): boolean => {
    const bw = sprite.box.xmax - sprite.box.xmin;
    if (bw <= 0 || bw >= width) return false;
    let y = Math.round(footY - sprite.footY);
    if (y + sprite.box.ymax > height) y = height - sprite.box.ymax;
    // some entities stand partly behind or in front of another one (occlusion), the rest anywhere
    const lefts: number[] = [];
    if (placed.length > 0 && place.chance(0.45)) {
      const q = placedBox(place.pick(placed));
      const qc = (q.xmin + q.xmax) / 2;
      const off = ((bw + q.xmax - q.xmin) / 2) * place.range(0.45, 0.8) * (place.chance(0.5) ? 1 : -1);
      lefts.push(Math.round(qc + off - bw / 2));
    }
    for (let tr = 0; tr < 12; tr++) lefts.push(Math.round(place.next() * (width - bw)));
    for (const left of lefts) {
      if (left < 0 || left + bw > width) continue;
      const x = left - sprite.box.xmin;
      const p: Placed = { label, pose: vocPose(view), sprite, x, y };
      const box = placedBox(p);
      // the nametag is centred over the head, shifted to stay inside the image
      const tagX = Math.max(0, Math.min(width - tag.width, Math.round((box.xmin + box.xmax) / 2 - tag.width / 2)));
      const tagY = box.ymin - gap - tag.height;
      if (tagY < 0) continue;
      const tagBox = { xmin: tagX, ymin: tagY, xmax: tagX + tag.width, ymax: tagY + tag.height };
      const ok = placed.every((q, qi) => {
        const qb = placedBox(q);
        const inter = boxArea(intersect(box, qb));
        // moderate occlusion: at most 40% of the smaller box, so at least ~60% of it stays visible
        return inter <= 0.4 * Math.min(boxArea(box), boxArea(qb)) && !overlaps(tagBox, qb) && !overlaps(tagBoxes[qi]!, box) && !overlaps(tagBox, tagBoxes[qi]!);
      });
      if (!ok) continue;
      Object.assign(p, { tag, tagX, tagY });
      placed.push(p);
      tagBoxes.push(tagBox);
      return true;
    }
    return false;
  };
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (tryPlace(c.entity.label, c.pose.view, sprites[i]!, tags[i]!, c.footY)) continue;
    // no room at that depth: try the same entity nearer or further away
    for (let attempt = 0; attempt < 3; attempt++) {
      const t = place.next();
      const scale = scaleAt(t, place.range(0.92, 1.08));
      const sprite = await renderEntity(c.entity, c.pose, scale * k);
      const tag = await renderNametag(c.entity, nametagPx(scale, k));
      if (tryPlace(c.entity.label, c.pose.view, sprite, tag, groundAt(t))) break;
    }
  }
  // shadows under the feet
  await Promise.all(placed.map(async (p) => {
    const box = placedBox(p);
    const w = (box.xmax - box.xmin) * 0.9;
    const h = Math.max(3, w * 0.22);
    p.shadow = await renderShadow(w, h);
    p.shadowX = Math.round((box.xmin + box.xmax) / 2 - w / 2);
    p.shadowY = Math.round(p.y + p.sprite.footY - h / 2);
  }));
  // lighting applies to everything alike: light the background before compositing, sprites too
  const luts = lightingLuts(lighting);
  applyLighting(bg.data, 4, luts);
  for (const p of placed) {
    sideShade(p.sprite, shading.fromLeft, shading.strength);
    applyLighting(p.sprite.data, 4, luts);
  }
  const rgbBg = rgbaToRgb(bg.data);
  placed.sort(byDepth);
  const owner = new Int16Array(width * height);
  const { image, objects } = compose(rgbBg, width, height, placed, owner);
  let out = image;
  if (blur > 0) {
    const { data } = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), { raw: { width, height, channels: 3 } })
      .blur(blur)
      .raw()
      .toBuffer({ resolveWithObject: true });
    out = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
  }
  const png = await encodePng(out);
  return { png, image: out, objects };
}

export function rgbaToRgb(rgba: Uint8Array): Uint8Array {
  const out = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    out[j] = rgba[i] as number;
    out[j + 1] = rgba[i + 1] as number;
    out[j + 2] = rgba[i + 2] as number;
  }
  return out;
}

export interface WriteOptions {
  count: number;
  seed?: number | string;
  width?: number;
  height?: number;
  /** first scene index (default 0) */
  start?: number;
  /** A folder of real Cog head renders, cog_<suit>_<name>.png (see loadCogHeads). */
  cogHeads?: string;
  onScene?: (done: number, file: string) => void;
}

export interface WrittenScene {
  png: string;
  xml: string;
  objects: SceneObject[];
}

/** The file stem of scene `index` of `seed`: synth_<seed>_<index>. */
export function sceneStem(seed: number | string, index: number): string {
  return `synth_${seed}_${index}`;
}

/**
 * Creates the folder and its missing parents one by one: `mkdir -p` in Node loops forever on some
 * special file systems (a folder under /proc), and this way a failure names the folder at fault.
 */
async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = [];
  let cur = path.resolve(dir);
  while (!existsSync(cur)) {
    missing.unshift(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  if (existsSync(cur) && !(await stat(cur)).isDirectory()) throw new Error(`${cur}: not a folder`);
  for (const d of missing) await mkdir(d);
}

/** Writes `count` scenes as DIR/synth_<seed>_<i>.png with a labelImg VOC .xml beside each. */
export async function writeScenes(outDir: string, opts: WriteOptions): Promise<WrittenScene[]> {
  const seed = opts.seed ?? 1;
  const width = opts.width ?? 800;
  const height = opts.height ?? 600;
  await ensureDir(outDir);
  const abs = path.resolve(outDir);
  const written: WrittenScene[] = [];
  const start = opts.start ?? 0;
  const cogHeads = opts.cogHeads ? await loadCogHeads(opts.cogHeads) : undefined;
  for (let i = start; i < start + opts.count; i++) {
    const scene = await renderScene({ seed, index: i, width, height, cogHeads });
    const stem = sceneStem(seed, i);
    const png = path.join(outDir, `${stem}.png`);
    const xml = path.join(outDir, `${stem}.xml`);
    await writeFile(png, scene.png);
    await writeFile(xml, formatVoc({
      folder: path.basename(abs),
      filename: `${stem}.png`,
      path: path.join(abs, `${stem}.png`),
      source: { database: 'Unknown' },
      size: { width, height, depth: 3 },
      segmented: 0,
      objects: scene.objects.map((o) => ({ name: o.label, pose: o.pose, truncated: o.truncated, difficult: 0, bndbox: o.box })),
    }));
    written.push({ png, xml, objects: scene.objects });
    opts.onScene?.(i - start + 1, png);
  }
  return written;
}
