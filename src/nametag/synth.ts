// Made-up nametags over real and drawn backgrounds, as the game shows them: training samples for the
// tag reader and test frames for the tag finder. Cog tags in the game's typeface (black on the grey
// card); Toons' tags (coloured names in the Toons' typeface) and bare backgrounds as tags to refuse;
// tags cut by the frame's edge with what the cut hides marked unknown; blur, scaling and JPEG as
// screenshots have them.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { readImage, type RgbImage } from '../image.ts';
import { streetSvg } from '../synth/background.ts';
import type { Rng } from '../synth/rng.ts';
import { COGS_BY_SUIT, SUITS, suitOfCog, type Suit } from '../taxonomy.ts';
import { drawTag, GAME_STYLE, renderTag, type TagFont, type TagLayers, type TagStyle } from './render.ts';
import { departmentOf, levelRange, MAX_TAG_LEVEL, tagLines } from './vocabulary.ts';

/** What a Cog's tag says. */
export interface TagTruth {
  name?: string;
  suit: Suit;
  level: number;
  skelecog?: boolean;
  v2?: boolean;
}

/** Which parts of a tag can be read (false where the frame's edge cut the line). */
export interface Known {
  name: boolean;
  suit: boolean;
  level: boolean;
}

/** A box [x, y, w, h] in pixels. */
export type Bbox = [number, number, number, number];

/** A random Cog tag: any Cog, mostly at a level it is met at, sometimes a Skelecog or a v2.0. */
export function randomTruth(rng: Rng): TagTruth {
  const suit = rng.pick(SUITS);
  const skelecog = rng.chance(0.06);
  const name = skelecog ? undefined : rng.pick(COGS_BY_SUIT[suit]);
  let level: number;
  if (name && rng.chance(0.75)) {
    const [lo, hi] = levelRange(name);
    level = rng.int(lo, hi);
  } else level = rng.int(1, rng.chance(0.8) ? 12 : MAX_TAG_LEVEL);
  return { ...(name ? { name } : { skelecog: true }), suit, level, ...(rng.chance(0.12) ? { v2: true } : {}) };
}

const TOON_WORDS = ['Flippy', 'Sir', 'Lady', 'Captain', 'Zippy', 'Hucklemoose', 'Doodle', 'Sparkles', 'Max', 'Penny', 'Daffy', 'Buster', 'Gizmo', 'Cheddar', 'Bubbles', 'Skipper', 'Wacky', 'Lucky', 'Pickles', 'Noodle', 'Jellybean', 'Fuzzy', 'Bingo', 'Crash', 'Professor', 'Baron', 'Twinkle', 'Rocky', 'Poppy', 'McFlapper', 'Bumbleberry', 'Cog', 'Level'];
/** Toons' name colours (blue for a player, orange, green, purple, red). */
const TOON_INKS: [number, number, number][] = [[0, 0, 255], [76, 76, 178], [204, 102, 0], [0, 153, 51], [128, 0, 160], [200, 30, 30]];

/** A Toon's name, one or two lines. */
function randomToonLines(rng: Rng): string[] {
  const words = Array.from({ length: rng.int(1, 3) }, () => rng.pick(TOON_WORDS));
  return words.length === 3 && rng.chance(0.6) ? [words.slice(0, 2).join(' '), words[2]!] : [words.join(' ')];
}

/** Backgrounds to draw tags over: every image in `dirs`, and `streets` drawn streets. */
export async function loadBackgrounds(dirs: readonly string[], streets: number, rng: Rng): Promise<RgbImage[]> {
  const out: RgbImage[] = [];
  for (const dir of dirs) {
    for (const f of (await readdir(dir)).sort()) {
      if (!/\.(png|jpe?g|gif|webp)$/i.test(f)) continue;
      try {
        out.push(await readImage(path.join(dir, f)));
      } catch {
        // not an image after all: skip it
      }
    }
  }
  for (let i = 0; i < streets; i++) {
    const w = 640;
    const h = 480;
    const { data, info } = await sharp(Buffer.from(streetSvg(rng, w, h).svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    out.push({ data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height });
  }
  if (out.length === 0) throw new Error('no backgrounds to draw tags over');
  return out;
}

/** A w x h piece of a random background, at a random zoom (upscaled as a small screenshot would be). */
export async function backgroundPatch(rng: Rng, backgrounds: readonly RgbImage[], w: number, h: number): Promise<RgbImage> {
  const bg = rng.pick(backgrounds);
  const zoom = rng.range(0.6, 3) * Math.max(w / bg.width, h / bg.height, 0.25);
  const cw = Math.max(2, Math.min(bg.width, Math.round(w / zoom)));
  const ch = Math.max(2, Math.min(bg.height, Math.round(h / zoom)));
  const left = rng.int(0, bg.width - cw);
  const top = rng.int(0, bg.height - ch);
  const { data } = await sharp(Buffer.from(bg.data.buffer, bg.data.byteOffset, bg.data.length), { raw: { width: bg.width, height: bg.height, channels: 3 } })
    .extract({ left, top, width: cw, height: ch })
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .flop(rng.chance(0.5))
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: w, height: h };
}

/** How a screenshot blurs the tag: a little blur, sometimes a rescale, sometimes JPEG. */
export interface Degrade {
  blur: number;
  rescale: number;
  jpeg: number | null;
}

export function randomDegrade(rng: Rng): Degrade {
  return {
    blur: rng.chance(0.5) ? rng.range(0.3, 0.9) : 0,
    rescale: rng.chance(0.3) ? rng.range(0.6, 0.95) : 1,
    jpeg: rng.chance(0.6) ? rng.int(35, 95) : null,
  };
}

export async function degrade(img: RgbImage, d: Degrade): Promise<RgbImage> {
  const raw = { raw: { width: img.width, height: img.height, channels: 3 as const } };
  let s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), raw);
  if (d.blur >= 0.3) s = s.blur(d.blur);
  let buf = await s.raw().toBuffer();
  if (d.rescale < 1) {
    const w = Math.max(2, Math.round(img.width * d.rescale));
    const h = Math.max(2, Math.round(img.height * d.rescale));
    const small = await sharp(buf, raw).resize(w, h, { fit: 'fill' }).raw().toBuffer();
    buf = await sharp(small, { raw: { width: w, height: h, channels: 3 } }).resize(img.width, img.height, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  }
  if (d.jpeg !== null) {
    const jpg = await sharp(buf, raw).jpeg({ quality: d.jpeg }).toBuffer();
    buf = await sharp(jpg).removeAlpha().raw().toBuffer();
  }
  return { data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), width: img.width, height: img.height };
}

/** A random look of the card: the game's, give or take (servers and versions differ a little). */
export function randomStyle(rng: Rng, ink: [number, number, number] = [0, 0, 0]): TagStyle {
  return {
    ...GAME_STYLE,
    grey: rng.int(185, 225),
    alpha: rng.range(0.38, 0.7),
    ink,
    lineHeight: rng.range(0.94, 1.12),
    padX: rng.range(0.06, 0.2),
    padTop: rng.range(0.0, 0.15),
    padBottom: rng.range(0.08, 0.25),
    radius: rng.range(0.1, 0.35),
  };
}

/** A tag drawn into a frame: its card's box (cut to the frame), what it says, what of it can be read. */
export interface DrawnTag {
  plate: Bbox;
  /** the whole card's box, uncut */
  full: Bbox;
  em: number;
  truth: TagTruth | null;
  known: Known;
  /** the text lines' boxes in the frame (uncut) */
  lines: Bbox[];
  /** a Toon's tag (truth null) */
  toon?: boolean;
}

/** Fraction of a box [x, y, w, h] inside [0, W) x [0, H). */
function insideFraction(b: Bbox, W: number, H: number): number {
  const x0 = Math.max(0, b[0]);
  const y0 = Math.max(0, b[1]);
  const x1 = Math.min(W, b[0] + b[2]);
  const y1 = Math.min(H, b[1] + b[3]);
  return b[2] * b[3] > 0 ? (Math.max(0, x1 - x0) * Math.max(0, y1 - y0)) / (b[2] * b[3]) : 0;
}

/** A line is readable when this much of it is in the frame. */
const READABLE = 0.92;

/** Which parts of a tag can be read when only `rect` of it is seen (its lines' boxes given). */
export function knownIn(truth: TagTruth | null, lines: readonly Bbox[], rect: Bbox): Known {
  if (!truth) return { name: false, suit: false, level: false };
  const vis = lines.map((l) => {
    const moved: Bbox = [l[0] - rect[0], l[1] - rect[1], l[2], l[3]];
    return insideFraction(moved, rect[2], rect[3]) >= READABLE;
  });
  // The lines: name (one or two), department, level.
  const deptAt = tagLines(truth).indexOf(departmentOf(truth.suit));
  return { name: vis.slice(0, deptAt).every(Boolean), suit: vis[deptAt] === true, level: vis.slice(deptAt + 1).every(Boolean) };
}

/** Draws one tag with its top-left at (x, y); returns the frame and what was drawn. */
export function placeTag(frame: RgbImage, layers: TagLayers, style: TagStyle, x: number, y: number, truth: TagTruth | null, toon = false): { frame: RgbImage; tag: DrawnTag } {
  const out = drawTag(frame, layers, x, y, style);
  const full: Bbox = [x, y, layers.width, layers.height];
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(frame.width, x + layers.width);
  const y1 = Math.min(frame.height, y + layers.height);
  const plate: Bbox = [x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0)];
  const lines = layers.lines.map((l) => [x + l[0], y + l[1], l[2], l[3]] as Bbox);
  const known = knownIn(truth, lines, [0, 0, frame.width, frame.height]);
  return { frame: out, tag: { plate, full, em: layers.em, truth, known, lines, ...(toon ? { toon: true } : {}) } };
}

/** Renders a Cog's tag (or a Toon's, when `toon`) `em` px to the em in a random style. */
export async function randomTagLayers(rng: Rng, font: TagFont, toonFont: TagFont | undefined, em: number, truth: TagTruth | null): Promise<{ layers: TagLayers; style: TagStyle }> {
  if (truth) {
    const style = randomStyle(rng);
    return { layers: await renderTag(font, tagLines(truth), em, style), style };
  }
  const style = randomStyle(rng, rng.pick(TOON_INKS));
  return { layers: await renderTag(toonFont ?? font, randomToonLines(rng), em * rng.range(1, 1.4), style), style };
}

/** The suit a tag's truth implies (the name's, else the department's). */
export function truthSuit(t: TagTruth): Suit {
  return (t.name ? suitOfCog(t.name) : undefined) ?? t.suit;
}
