// SVG to pixels once, then pixels to frames by hand.
//
// Every sprite (an entity in one pose, a nametag, the background) is rendered from SVG by librsvg
// (through sharp) exactly once, into a raw RGBA buffer. A scene or an animation frame is then
// composited here with a plain alpha blit into an RGB buffer. Rendering SVG per frame would cost
// tens of milliseconds per entity (librsvg rasterises every path and gradient again); the blit is a
// tight loop over the sprite's opaque rectangle and costs well under a millisecond per entity.
import sharp from 'sharp';
import type { Box, RgbImage } from '../image.ts';

/** Raw RGBA pixels (not premultiplied), row-major. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A rendered sprite with its snug box (alpha >= OPAQUE) in sprite pixels. */
export interface Sprite extends RgbaImage {
  box: Box;
}

/** A pixel counts as part of an entity (its box, its visibility) from this alpha on. */
export const OPAQUE = 96;

export async function svgToRgba(svg: string): Promise<RgbaImage> {
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`synth: expected RGBA from SVG, got ${info.channels} channels`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** The smallest box holding every pixel with alpha >= threshold (end exclusive); empty box if none. */
export function alphaBox(img: RgbaImage, threshold = OPAQUE): Box {
  let xmin = img.width;
  let ymin = img.height;
  let xmax = 0;
  let ymax = 0;
  const { data, width, height } = img;
  for (let y = 0; y < height; y++) {
    let row = y * width * 4 + 3;
    for (let x = 0; x < width; x++, row += 4) {
      if ((data[row] as number) >= threshold) {
        if (x < xmin) xmin = x;
        if (x >= xmax) xmax = x + 1;
        if (y < ymin) ymin = y;
        if (y >= ymax) ymax = y + 1;
      }
    }
  }
  if (xmax <= xmin) return { xmin: 0, ymin: 0, xmax: 0, ymax: 0 };
  return { xmin, ymin, xmax, ymax };
}

export async function renderSprite(svg: string): Promise<Sprite> {
  const img = await svgToRgba(svg);
  return { ...img, box: alphaBox(img) };
}

/** A 256-entry lookup per channel: brightness and tint as channel gains, clamped. */
export interface Lighting {
  gain: [number, number, number];
  /** added after the gain (haze), 0-255 */
  lift: number;
}

export function lightingLuts(l: Lighting): [Uint8Array, Uint8Array, Uint8Array] {
  const make = (g: number) => {
    const lut = new Uint8Array(256);
    for (let v = 0; v < 256; v++) lut[v] = Math.max(0, Math.min(255, Math.round(v * g + l.lift * (1 - v / 255))));
    return lut;
  };
  return [make(l.gain[0]), make(l.gain[1]), make(l.gain[2])];
}

/** Applies lighting in place to RGB (stride 3) or RGBA (stride 4) pixels. */
export function applyLighting(data: Uint8Array, stride: 3 | 4, luts: [Uint8Array, Uint8Array, Uint8Array]): void {
  const [lr, lg, lb] = luts;
  for (let i = 0; i < data.length; i += stride) {
    data[i] = lr[data[i] as number] as number;
    data[i + 1] = lg[data[i + 1] as number] as number;
    data[i + 2] = lb[data[i + 2] as number] as number;
  }
}

/**
 * Alpha-blends the sprite onto dst with its top-left corner at (x0, y0), clipped to dst. Where
 * `owner` is given, pixels with alpha >= OPAQUE are marked with `id` (-1 clears: nametags), so that
 * the visible part of each entity can be measured afterwards.
 */
export function blit(dst: RgbImage, sprite: RgbaImage & { box?: Box }, x0: number, y0: number, owner?: Int16Array, id = -1): void {
  const b = sprite.box ?? { xmin: 0, ymin: 0, xmax: sprite.width, ymax: sprite.height };
  // the box is the opaque part: widen it by 2 pixels to draw the faint anti-aliased fringe too
  const ax0 = Math.max(0, b.xmin - 2, -x0);
  const ay0 = Math.max(0, b.ymin - 2, -y0);
  const sx1 = Math.min(b.xmax + 2, sprite.width, dst.width - x0);
  const sy1 = Math.min(b.ymax + 2, sprite.height, dst.height - y0);
  if (sx1 <= ax0 || sy1 <= ay0) return;
  const src = sprite.data;
  const out = dst.data;
  const sw = sprite.width;
  const dw = dst.width;
  for (let sy = ay0; sy < sy1; sy++) {
    let si = (sy * sw + ax0) * 4;
    let dp = (sy + y0) * dw + ax0 + x0;
    let di = dp * 3;
    for (let sx = ax0; sx < sx1; sx++, si += 4, di += 3, dp++) {
      const a = src[si + 3] as number;
      if (a === 0) continue;
      if (a === 255) {
        out[di] = src[si] as number;
        out[di + 1] = src[si + 1] as number;
        out[di + 2] = src[si + 2] as number;
      } else {
        const na = 255 - a;
        out[di] = ((src[si] as number) * a + (out[di] as number) * na + 127) / 255;
        out[di + 1] = ((src[si + 1] as number) * a + (out[di + 1] as number) * na + 127) / 255;
        out[di + 2] = ((src[si + 2] as number) * a + (out[di + 2] as number) * na + 127) / 255;
      }
      if (owner && a >= OPAQUE) owner[dp] = id;
    }
  }
}

/** Darkens dst under a soft mask (a shadow): alpha of the mask times strength. */
export function shadowBlit(dst: RgbImage, mask: RgbaImage, x0: number, y0: number, strength: number): void {
  const k = Math.round(strength * 256);
  for (let sy = Math.max(0, -y0); sy < mask.height && sy + y0 < dst.height; sy++) {
    for (let sx = Math.max(0, -x0); sx < mask.width && sx + x0 < dst.width; sx++) {
      const a = mask.data[(sy * mask.width + sx) * 4 + 3] as number;
      if (a === 0) continue;
      const f = 256 - ((a * k) >> 8);
      const di = ((sy + y0) * dst.width + sx + x0) * 3;
      dst.data[di] = ((dst.data[di] as number) * f) >> 8;
      dst.data[di + 1] = ((dst.data[di + 1] as number) * f) >> 8;
      dst.data[di + 2] = ((dst.data[di + 2] as number) * f) >> 8;
    }
  }
}

/** The box of the pixels owned by `id` inside `within` (clipped to the image), or null if none. */
export function ownedBox(owner: Int16Array, width: number, height: number, id: number, within: Box): Box | null {
  const x0 = Math.max(0, within.xmin);
  const y0 = Math.max(0, within.ymin);
  const x1 = Math.min(width, within.xmax);
  const y1 = Math.min(height, within.ymax);
  let xmin = x1;
  let ymin = y1;
  let xmax = x0;
  let ymax = y0;
  for (let y = y0; y < y1; y++) {
    let p = y * width + x0;
    for (let x = x0; x < x1; x++, p++) {
      if (owner[p] === id) {
        if (x < xmin) xmin = x;
        if (x >= xmax) xmax = x + 1;
        if (y < ymin) ymin = y;
        if (y >= ymax) ymax = y + 1;
      }
    }
  }
  return xmax > xmin && ymax > ymin ? { xmin, ymin, xmax, ymax } : null;
}

/** Number of pixels owned by `id` inside `within`. */
export function ownedArea(owner: Int16Array, width: number, id: number, within: Box): number {
  let n = 0;
  for (let y = within.ymin; y < within.ymax; y++) {
    let p = y * width + within.xmin;
    for (let x = within.xmin; x < within.xmax; x++, p++) if (owner[p] === id) n++;
  }
  return n;
}

/**
 * Side lighting: darkens the sprite's colours across its box, up to `strength` (0-1) on the side away
 * from the light (`fromLeft`), and a little towards the feet, for a rounder, less flat look.
 */
export function sideShade(sprite: Sprite, fromLeft: boolean, strength: number): void {
  const { xmin, xmax, ymin, ymax } = sprite.box;
  const w = Math.max(1, xmax - xmin);
  const h = Math.max(1, ymax - ymin);
  const d = sprite.data;
  for (let y = ymin; y < ymax; y++) {
    const vy = 1 - 0.25 * strength * ((y - ymin) / h);
    for (let x = xmin; x < xmax; x++) {
      const i = (y * sprite.width + x) * 4;
      if (d[i + 3] === 0) continue;
      const u = fromLeft ? (x - xmin) / w : 1 - (x - xmin) / w;
      const g = vy * (1 - strength * u * u);
      d[i] = (d[i] as number) * g;
      d[i + 1] = (d[i + 1] as number) * g;
      d[i + 2] = (d[i + 2] as number) * g;
    }
  }
}
