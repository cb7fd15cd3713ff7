// Image files in and out: decode by content (a JPEG named .png is fine), crop, encode PNG.
import sharp from 'sharp';
import { ToonVisionError } from './errors.ts';

/** Raw interleaved RGB pixels, row-major. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** An axis-aligned box in pixels; xmax and ymax are exclusive (`img[ymin:ymax, xmin:xmax]`). */
export interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export class ImageError extends ToonVisionError {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`, { code: 'image' });
  }
}

/** Decodes any image sharp reads (PNG, JPEG, WebP...) by its content, dropping alpha. */
export async function readImage(input: string | Buffer, name = typeof input === 'string' ? input : '<buffer>'): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(input, { failOn: 'truncated' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ImageError(name, `cannot decode image (${reason.split('\n')[0]})`);
  }
}

/** Width and height from the file header, without decoding the pixels. */
export async function imageSize(file: string): Promise<{ width: number; height: number }> {
  try {
    const m = await sharp(file).metadata();
    if (!m.width || !m.height) throw new Error('no size in header');
    return { width: m.width, height: m.height };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ImageError(file, `cannot read image (${reason.split('\n')[0]})`);
  }
}

/** Copies `img[ymin:ymax, xmin:xmax]` (end exclusive). The box must lie inside the image. */
export function cropImage(img: RgbImage, box: Box): RgbImage {
  const w = box.xmax - box.xmin;
  const h = box.ymax - box.ymin;
  if (w <= 0 || h <= 0 || box.xmin < 0 || box.ymin < 0 || box.xmax > img.width || box.ymax > img.height) {
    throw new RangeError(
      `box ${box.xmin},${box.ymin},${box.xmax},${box.ymax} is not inside the ${img.width}x${img.height} image`,
    );
  }
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = ((box.ymin + y) * img.width + box.xmin) * 3;
    out.set(img.data.subarray(src, src + w * 3), y * w * 3);
  }
  return { data: out, width: w, height: h };
}

/** PNG bytes of an RGB image. */
export function encodePng(img: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png()
    .toBuffer();
}

/** Intersection over union of two `[x, y, w, h]` boxes (the detections' `bbox`); 0 when both are empty. */
export function bboxIou(a: readonly number[], b: readonly number[]): number {
  const [ax, ay, aw, ah] = a as [number, number, number, number];
  const [bx, by, bw, bh] = b as [number, number, number, number];
  const ix = Math.max(0, Math.min(ax + aw, bx + bw) - Math.max(ax, bx));
  const iy = Math.max(0, Math.min(ay + ah, by + bh) - Math.max(ay, by));
  const inter = ix * iy;
  const union = aw * ah + bw * bh - inter;
  return union > 0 ? inter / union : 0;
}

/** Text made safe for SVG drawn over images (labels, captions, chart titles). */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
