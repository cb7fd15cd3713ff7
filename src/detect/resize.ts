// Bilinear resize of 8-bit RGB straight into float32, the same arithmetic as
// tf.image.resizeBilinear(x, [h, w], alignCorners=false, halfPixelCenters=true). Doing it in plain
// JavaScript skips turning a whole 800x600 frame into an int32 tensor (about 20 ms of the frame budget).
import type { RgbImage } from '../image.ts';

interface Axis {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float32Array;
}

// The last few axes: a live frame resizes the same window size to the same input every frame.
const axes = new Map<string, Axis>();

/** Source index pairs and weights along one axis (cached per size pair). */
function axis(oldSize: number, newSize: number): Axis {
  const key = `${oldSize}>${newSize}`;
  const hit = axes.get(key);
  if (hit) return hit;
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
  if (axes.size >= 16) axes.delete(axes.keys().next().value!);
  const made = { lo, hi, frac };
  axes.set(key, made);
  return made;
}

/** Resizes `img` to h x w into `out`, row y starting at y * rowStride (floats). */
function resizeInto(img: RgbImage, h: number, w: number, out: Float32Array, rowStride: number): void {
  const src = img.data;
  const W = img.width;
  if (img.height === h && img.width === w) {
    for (let y = 0; y < h; y++) {
      const o = y * rowStride;
      const s = y * w * 3;
      for (let i = 0; i < w * 3; i++) out[o + i] = src[s + i]!;
    }
    return;
  }
  const ys = axis(img.height, h);
  const xs = axis(img.width, w);
  for (let y = 0; y < h; y++) {
    const r0 = ys.lo[y]! * W * 3;
    const r1 = ys.hi[y]! * W * 3;
    const fy = ys.frac[y]!;
    let o = y * rowStride;
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
}

/** [h, w, 3] float32 values 0-255 (row-major), resized with half-pixel centres, aspect not kept. */
export function resizeRgbToFloat(img: RgbImage, h: number, w: number, out = new Float32Array(h * w * 3)): Float32Array {
  resizeInto(img, h, w, out, w * 3);
  return out;
}

/** Letterbox padding, as NanoDet, YOLO and our detector's training pad. */
export const LETTERBOX_PAD = 114;

/**
 * The frame resized with its aspect ratio kept into an h x w float image (0-255), placed top-left,
 * the rest LETTERBOX_PAD: 16:9 and 21:9 windows are not squashed. `scale` is frame pixels per input
 * pixel (the same on both axes); `width` x `height` is the part of the input the frame covers. One
 * pass: the frame is resized straight into the padded input (into `out` when given, e.g. a buffer
 * kept from the last frame), reading only the pixels the resize samples, so a 2560x1440 frame costs
 * what an 800x600 one does.
 */
export function letterboxRgbToFloat(img: RgbImage, h: number, w: number, out?: Float32Array): { data: Float32Array; scale: number; width: number; height: number } {
  const scale = Math.max(img.width / w, img.height / h);
  const width = Math.min(w, Math.max(1, Math.round(img.width / scale)));
  const height = Math.min(h, Math.max(1, Math.round(img.height / scale)));
  const data = out && out.length === h * w * 3 ? out : new Float32Array(h * w * 3);
  resizeInto(img, height, width, data, w * 3);
  if (width < w) for (let y = 0; y < height; y++) data.fill(LETTERBOX_PAD, (y * w + width) * 3, (y + 1) * w * 3);
  if (height < h) data.fill(LETTERBOX_PAD, height * w * 3);
  return { data, scale, width, height };
}
