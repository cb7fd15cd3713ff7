// node-screenshots (xcap): a native module that lists windows with their geometry and captures a
// window or monitor directly (X11, Windows, macOS). Optional dependency: loaded lazily, and every
// caller copes with its absence (the fallback is screenshot-desktop, see fallback.ts).
import { createRequire } from 'node:module';
import type { RgbImage } from '../image.ts';

/** The parts of node-screenshots' API that are used (kept local so the type check never needs the package). */
export interface NsImage {
  readonly width: number;
  readonly height: number;
  toRawSync(copyOutputData?: boolean): Buffer;
  toRaw(copyOutputData?: boolean): Promise<Buffer>;
}
export interface NsMonitor {
  id(): number;
  name(): string;
  x(): number;
  y(): number;
  width(): number;
  height(): number;
  scaleFactor(): number;
  isPrimary(): boolean;
  captureImageSync(): NsImage;
  captureImage(): Promise<NsImage>;
}
export interface NsWindow {
  id(): number;
  pid(): number;
  appName(): string;
  title(): string;
  currentMonitor(): NsMonitor;
  x(): number;
  y(): number;
  width(): number;
  height(): number;
  isMinimized(): boolean;
  captureImageSync(): NsImage;
  captureImage(): Promise<NsImage>;
}
interface NsModule {
  Window: { all(): NsWindow[] };
  Monitor: { all(): NsMonitor[] };
}

let loaded: { mod?: NsModule; reason?: string } | undefined;

/** The node-screenshots module, or undefined with the reason it did not load. */
export function nodeScreenshots(): { mod?: NsModule; reason?: string } {
  if (loaded) return loaded;
  try {
    const mod = createRequire(import.meta.url)('node-screenshots') as NsModule;
    if (typeof mod?.Window?.all !== 'function') throw new Error('unexpected module shape');
    loaded = { mod };
  } catch (err) {
    loaded = { reason: `node-screenshots did not load (${(err as Error).message.split('\n')[0]})` };
  }
  return loaded;
}

/**
 * RGBA (as node-screenshots returns it) to packed RGB. Where the buffer is 4-byte aligned, four pixels
 * (four 32-bit words, little endian: R is the low byte) become three 32-bit words of RGB: a 1920x1080
 * frame takes 1.5 M word stores instead of 6 M byte stores.
 */
export function rgbaToRgb(rgba: Uint8Array, width: number, height: number): RgbImage {
  const n = width * height;
  if (rgba.length < n * 4) throw new RangeError(`expected ${n * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  const out = new Uint8Array(n * 3);
  let i = 0;
  if (rgba.byteOffset % 4 === 0) {
    const src = new Uint32Array(rgba.buffer, rgba.byteOffset, n);
    const dst = new Uint32Array(out.buffer, 0, (n >> 2) * 3);
    for (let o = 0; i + 4 <= n; i += 4, o += 3) {
      const a = src[i]!;
      const b = src[i + 1]!;
      const c = src[i + 2]!;
      const d = src[i + 3]!;
      dst[o] = (a & 0xffffff) | (b << 24);
      dst[o + 1] = ((b >>> 8) & 0xffff) | (c << 16);
      dst[o + 2] = ((c >>> 16) & 0xff) | (d << 8);
    }
  }
  for (let p = i * 4, q = i * 3; q < out.length; p += 4, q += 3) {
    out[q] = rgba[p]!;
    out[q + 1] = rgba[p + 1]!;
    out[q + 2] = rgba[p + 2]!;
  }
  return { data: out, width, height };
}

/** Converts a node-screenshots image to RGB. */
export async function nsImageToRgb(img: NsImage): Promise<RgbImage> {
  // The synchronous call hands over the captured buffer without a copy and without a trip through
  // libuv's thread pool (which, on a busy machine, waited longer than the conversion takes).
  const raw = img.toRawSync(false);
  return rgbaToRgb(new Uint8Array(raw.buffer, raw.byteOffset, raw.length), img.width, img.height);
}
