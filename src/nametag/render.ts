// Renders Cog nametags in the game's typeface over a frame, for training the reader and testing it.
// The typeface is the game's (vtRemingtonPortable.ttf, never committed or shipped): callers pass its
// path. A tag is what the game draws: centred black text on a rounded grey card at half opacity.
import { readFileSync } from 'node:fs';
import opentype from 'opentype.js';
import sharp from 'sharp';
import type { RgbImage } from '../image.ts';

/** The game's nametag typeface, parsed. */
export class TagFont {
  private constructor(private readonly font: opentype.Font) {}

  static load(file: string): TagFont {
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (err) {
      throw new Error(`${file}: cannot read the nametag typeface (${(err as Error).message.split('\n')[0]})`);
    }
    try {
      return new TagFont(opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length)));
    } catch (err) {
      throw new Error(`${file}: not a font opentype.js reads (${(err as Error).message.split('\n')[0]})`);
    }
  }

  /** Width of a line in em. */
  widthEm(text: string): number {
    return this.font.getAdvanceWidth(text, 1);
  }

  /** SVG path data of a line with its left end at x and its baseline at y, `size` px to the em. */
  path(text: string, x: number, y: number, size: number): string {
    // Serialised here: opentype.js 2's toPathData() writes NaN for some of this typeface's curves.
    const f = (n: number) => (Math.round(n * 100) / 100).toString();
    return this.font
      .getPath(text, x, y, size)
      .commands.map((c) => {
        switch (c.type) {
          case 'M':
          case 'L':
            return `${c.type}${f(c.x)} ${f(c.y)}`;
          case 'Q':
            return `Q${f(c.x1)} ${f(c.y1)} ${f(c.x)} ${f(c.y)}`;
          case 'C':
            return `C${f(c.x1)} ${f(c.y1)} ${f(c.x2)} ${f(c.y2)} ${f(c.x)} ${f(c.y)}`;
          case 'Z':
            return 'Z';
        }
      })
      .join('');
  }
}

/** How a tag looks: the card's grey and opacity, the text colour, spacing in em. */
export interface TagStyle {
  /** card grey 0-255 (the game's 0.8 -> 204) */
  grey: number;
  /** card opacity 0-1 (the game's 0.5) */
  alpha: number;
  /** text colour (black for a Cog) */
  ink: [number, number, number];
  /** line pitch in em (about 1.0) */
  lineHeight: number;
  /** card padding in em: sides, top, bottom */
  padX: number;
  padTop: number;
  padBottom: number;
  /** corner radius in em */
  radius: number;
}

export const GAME_STYLE: TagStyle = { grey: 204, alpha: 0.5, ink: [0, 0, 0], lineHeight: 1.0, padX: 0.1, padTop: 0.05, padBottom: 0.15, radius: 0.2 };

/** A rendered tag at its final size: card and text opacity maps, and where each line's ink box is. */
export interface TagLayers {
  width: number;
  height: number;
  /** card opacity per pixel, 0-1 */
  card: Float32Array;
  /** text coverage per pixel, 0-1 */
  text: Float32Array;
  /** each line's box in the layer, [x, y, w, h] (cap height to baseline, advance width) */
  lines: [number, number, number, number][];
  /** px to the em */
  em: number;
}

/** Pixels to the em of the line masks that tags are shrunk from. */
const MASK_EM = 64;
/** A line's mask spans this much above and below its baseline (em). */
const MASK_ASCENT = 0.95;
const MASK_DESCENT = 0.35;
const MASK_PAD = 4;

/** A line of text at MASK_EM px to the em, as a summed-area table of its coverage (0-1). */
interface LineMask {
  /** (width + 1) x (height + 1) summed-area table */
  sat: Float64Array;
  width: number;
  height: number;
}

const lineMasks = new WeakMap<TagFont, Map<string, Promise<LineMask>>>();

/** The line's mask, rendered once per font and text. */
function lineMask(font: TagFont, text: string): Promise<LineMask> {
  let cache = lineMasks.get(font);
  if (!cache) lineMasks.set(font, (cache = new Map()));
  let m = cache.get(text);
  if (!m) {
    m = (async () => {
      const width = Math.ceil(font.widthEm(text) * MASK_EM) + 2 * MASK_PAD;
      const height = Math.ceil((MASK_ASCENT + MASK_DESCENT) * MASK_EM);
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><path fill="#fff" d="${font.path(text, MASK_PAD, MASK_ASCENT * MASK_EM, MASK_EM)}"/></svg>`;
      const { data } = await sharp(Buffer.from(svg)).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true });
      const W1 = width + 1;
      const sat = new Float64Array(W1 * (height + 1));
      for (let y = 0; y < height; y++) {
        let row = 0;
        for (let x = 0; x < width; x++) {
          row += data[y * width + x]! / 255;
          sat[(y + 1) * W1 + x + 1] = sat[y * W1 + x + 1]! + row;
        }
      }
      return { sat, width, height };
    })();
    cache.set(text, m);
  }
  return m;
}

/** The summed-area table at a fractional point (bilinear between its entries, clamped). */
function satAt(m: LineMask, x: number, y: number): number {
  const W1 = m.width + 1;
  const cx = Math.max(0, Math.min(m.width, x));
  const cy = Math.max(0, Math.min(m.height, y));
  const x0 = Math.min(m.width - 1, Math.floor(cx));
  const y0 = Math.min(m.height - 1, Math.floor(cy));
  const ax = cx - x0;
  const ay = cy - y0;
  const s = m.sat;
  const a = s[y0 * W1 + x0]! * (1 - ax) + s[y0 * W1 + x0 + 1]! * ax;
  const b = s[(y0 + 1) * W1 + x0]! * (1 - ax) + s[(y0 + 1) * W1 + x0 + 1]! * ax;
  return a * (1 - ay) + b * ay;
}

/**
 * Renders a tag `em` px to the em (a line is about 1 em high): each pixel takes the mean coverage
 * of its footprint on the line's large mask, as the game's text texture is shrunk on screen.
 */
export async function renderTag(font: TagFont, lines: readonly string[], em: number, style: TagStyle = GAME_STYLE): Promise<TagLayers> {
  const textW = Math.max(...lines.map((l) => font.widthEm(l)));
  const wEm = textW + 2 * style.padX;
  const hEm = lines.length * style.lineHeight + style.padTop + style.padBottom;
  const width = Math.max(2, Math.round(wEm * em));
  const height = Math.max(2, Math.round(hEm * em));
  // px per em along each axis (rounding the size stretches the tag by a fraction of a pixel)
  const ex = width / wEm;
  const ey = height / hEm;
  const text = new Float32Array(width * height);
  const boxes: [number, number, number, number][] = [];
  const masks = await Promise.all(lines.map((l) => lineMask(font, l)));
  lines.forEach((l, i) => {
    const m = masks[i]!;
    const lw = font.widthEm(l);
    const left = (wEm - lw) / 2;
    const base = style.padTop + (i + 0.8) * style.lineHeight;
    boxes.push([left * ex, (base - 0.67) * ey, lw * ex, 0.67 * ey]);
    // mask pixel = (em - line origin) * MASK_EM
    const ux = (px: number) => (px / ex - left) * MASK_EM + MASK_PAD;
    const vy = (py: number) => (py / ey - (base - MASK_ASCENT)) * MASK_EM;
    const j0 = Math.max(0, Math.floor((base - MASK_ASCENT) * ey));
    const j1 = Math.min(height, Math.ceil((base + MASK_DESCENT) * ey));
    const i0 = Math.max(0, Math.floor((left - MASK_PAD / MASK_EM) * ex));
    const i1 = Math.min(width, Math.ceil((left + lw) * ex + 1));
    for (let j = j0; j < j1; j++) {
      const v0 = vy(j);
      const v1 = vy(j + 1);
      for (let x = i0; x < i1; x++) {
        const u0 = ux(x);
        const u1 = ux(x + 1);
        const sum = satAt(m, u1, v1) - satAt(m, u0, v1) - satAt(m, u1, v0) + satAt(m, u0, v0);
        text[j * width + x] = Math.min(1, text[j * width + x]! + sum / ((u1 - u0) * (v1 - v0)));
      }
    }
  });
  // The card: a rounded rectangle, 4x4 samples a pixel.
  const card = new Float32Array(width * height);
  const r = Math.min(style.radius * Math.min(ex, ey), width / 2, height / 2);
  const inside = (x: number, y: number) => {
    const dx = Math.max(0, r - x, x - (width - r));
    const dy = Math.max(0, r - y, y - (height - r));
    return dx * dx + dy * dy <= r * r;
  };
  for (let j = 0; j < height; j++) {
    for (let x = 0; x < width; x++) {
      const corner = (x < r || x > width - r - 1) && (j < r || j > height - r - 1);
      if (!corner) {
        card[j * width + x] = 1;
        continue;
      }
      let n = 0;
      for (let b = 0; b < 4; b++) for (let a = 0; a < 4; a++) if (inside(x + (a + 0.5) / 4, j + (b + 0.5) / 4)) n++;
      card[j * width + x] = n / 16;
    }
  }
  return { width, height, card, text, lines: boxes, em };
}

/**
 * Draws a rendered tag into `frame` (a copy is returned) with its top-left at (x, y); parts outside
 * the frame are cut, as the game's screen cuts them.
 */
export function drawTag(frame: RgbImage, layers: TagLayers, x: number, y: number, style: TagStyle = GAME_STYLE): RgbImage {
  const out = new Uint8Array(frame.data);
  for (let j = 0; j < layers.height; j++) {
    const fy = y + j;
    if (fy < 0 || fy >= frame.height) continue;
    for (let i = 0; i < layers.width; i++) {
      const fx = x + i;
      if (fx < 0 || fx >= frame.width) continue;
      const a = layers.card[j * layers.width + i]! * style.alpha;
      const t = layers.text[j * layers.width + i]!;
      const o = (fy * frame.width + fx) * 3;
      for (let c = 0; c < 3; c++) {
        const under = out[o + c]! * (1 - a) + style.grey * a;
        out[o + c] = Math.round(under * (1 - t) + style.ink[c]! * t);
      }
    }
  }
  return { data: out, width: frame.width, height: frame.height };
}
