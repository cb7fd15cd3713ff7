// Bilinear resize of 8-bit RGB straight into float32, the same arithmetic as
// tf.image.resizeBilinear(x, [h, w], alignCorners=false, halfPixelCenters=true). Doing it in plain
// JavaScript skips turning a whole 800x600 frame into an int32 tensor (about 20 ms of the frame budget).
import type { RgbImage } from '../image.ts';

/** Source index pairs and weights along one axis. */
function axis(oldSize: number, newSize: number): { lo: Int32Array; hi: Int32Array; frac: Float32Array } {
  const lo = new Int32Array(newSize);
  const hi = new Int32Array(newSize);
  const frac = new Float32Array(newSize);
  const ratio = oldSize / newSize;
  for (let i = 0; i < newSize; i++) {
    const src = ratio * (i + 0.5) - 0.5;
    const f = Math.floor(src);
    lo[i] = Math.max(0, f);
    hi[i] = Math.min(oldSize - 1, Math.ceil(src));
    frac[i] = src - f;
  }
  return { lo, hi, frac };
}

/** [h, w, 3] float32 values 0-255 (row-major), resized with half-pixel centres, aspect not kept. */
export function resizeRgbToFloat(img: RgbImage, h: number, w: number, out = new Float32Array(h * w * 3)): Float32Array {
  const src = img.data;
  const W = img.width;
  if (img.height === h && img.width === w) {
    for (let i = 0; i < out.length; i++) out[i] = src[i]!;
    return out;
  }
  const ys = axis(img.height, h);
  const xs = axis(img.width, w);
  let o = 0;
  for (let y = 0; y < h; y++) {
    const r0 = ys.lo[y]! * W * 3;
    const r1 = ys.hi[y]! * W * 3;
    const fy = ys.frac[y]!;
    for (let x = 0; x < w; x++) {
      const c0 = xs.lo[x]! * 3;
      const c1 = xs.hi[x]! * 3;
      const fx = xs.frac[x]!;
      for (let c = 0; c < 3; c++) {
        const tl = src[r0 + c0 + c]!;
        const tr = src[r0 + c1 + c]!;
        const bl = src[r1 + c0 + c]!;
        const br = src[r1 + c1 + c]!;
        const top = tl + (tr - tl) * fx;
        const bottom = bl + (br - bl) * fx;
        out[o++] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}

/** Letterbox padding, as NanoDet, YOLO and our detector's training pad. */
export const LETTERBOX_PAD = 114;

/**
 * The frame resized with its aspect ratio kept into an h x w float image (0-255), placed top-left,
 * the rest LETTERBOX_PAD: 16:9 and 21:9 windows are not squashed. `scale` is frame pixels per input
 * pixel (the same on both axes); `width` x `height` is the part of the input the frame covers.
 */
export function letterboxRgbToFloat(img: RgbImage, h: number, w: number): { data: Float32Array; scale: number; width: number; height: number } {
  const scale = Math.max(img.width / w, img.height / h);
  const width = Math.min(w, Math.max(1, Math.round(img.width / scale)));
  const height = Math.min(h, Math.max(1, Math.round(img.height / scale)));
  if (width === w && height === h) return { data: resizeRgbToFloat(img, h, w), scale, width, height };
  const inner = resizeRgbToFloat(img, height, width);
  const data = new Float32Array(h * w * 3).fill(LETTERBOX_PAD);
  for (let y = 0; y < height; y++) data.set(inner.subarray(y * width * 3, (y + 1) * width * 3), y * w * 3);
  return { data, scale, width, height };
}
