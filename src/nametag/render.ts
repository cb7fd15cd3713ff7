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

/**
 * Renders a tag `em` px to the em (a line is about 1 em high), `supersample` times larger then
 * shrunk, as the game's text texture is shrunk on screen.
 */
export async function renderTag(font: TagFont, lines: readonly string[], em: number, style: TagStyle = GAME_STYLE, opts: { supersample?: number; kernel?: 'linear' | 'cubic' | 'lanczos3' | 'mitchell' } = {}): Promise<TagLayers> {
  const ss = opts.supersample ?? 4;
  const E = em * ss;
  const textW = Math.max(...lines.map((l) => font.widthEm(l)));
  const wEm = textW + 2 * style.padX;
  const hEm = lines.length * style.lineHeight + style.padTop + style.padBottom;
  const width = Math.max(2, Math.round(wEm * em));
  const height = Math.max(2, Math.round(hEm * em));
  const W = width * ss;
  const H = height * ss;
  const sx = W / (wEm * E);
  const sy = H / (hEm * E);
  const boxes: [number, number, number, number][] = [];
  const paths = lines.map((l, i) => {
    const lw = font.widthEm(l);
    const x = (wEm - lw) / 2;
    const base = style.padTop + (i + 0.8) * style.lineHeight;
    boxes.push([x * em * sx, (base - 0.67) * em * sy, lw * em * sx, 0.67 * em * sy]);
    return `<path d="${font.path(l, x * E, base * E, E)}"/>`;
  });
  const r = style.radius * E;
  const svg = (body: string) =>
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><g transform="scale(${sx} ${sy})">${body}</g></svg>`);
  const cardSvg = svg(`<rect x="0" y="0" width="${wEm * E}" height="${hEm * E}" rx="${r}" ry="${r}" fill="#fff"/>`);
  const textSvg = svg(`<g fill="#fff">${paths.join('')}</g>`);
  const shrink = async (buf: Buffer) => {
    const { data } = await sharp(buf)
      .extractChannel('alpha')
      .resize(width, height, { kernel: opts.kernel ?? 'linear', fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const out = new Float32Array(width * height);
    for (let i = 0; i < out.length; i++) out[i] = data[i]! / 255;
    return out;
  };
  const [card, text] = await Promise.all([shrink(cardSvg), shrink(textSvg)]);
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
