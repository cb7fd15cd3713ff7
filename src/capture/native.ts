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

/** RGBA (as node-screenshots returns it) to packed RGB. */
export function rgbaToRgb(rgba: Uint8Array, width: number, height: number): RgbImage {
  const n = width * height;
  if (rgba.length < n * 4) throw new RangeError(`expected ${n * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  const out = new Uint8Array(n * 3);
  // Read whole pixels as 32-bit words where the buffer is aligned (little endian: R is the low byte).
  if (rgba.byteOffset % 4 === 0) {
    const words = new Uint32Array(rgba.buffer, rgba.byteOffset, n);
    for (let i = 0, q = 0; i < n; i++, q += 3) {
      const v = words[i]!;
      out[q] = v & 0xff;
      out[q + 1] = (v >>> 8) & 0xff;
      out[q + 2] = (v >>> 16) & 0xff;
    }
  } else {
    for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
      out[q] = rgba[p]!;
      out[q + 1] = rgba[p + 1]!;
      out[q + 2] = rgba[p + 2]!;
    }
  }
  return { data: out, width, height };
}

/** Converts a node-screenshots image to RGB. */
export async function nsImageToRgb(img: NsImage): Promise<RgbImage> {
  const raw = await img.toRaw(false);
  return rgbaToRgb(new Uint8Array(raw.buffer, raw.byteOffset, raw.length), img.width, img.height);
}
