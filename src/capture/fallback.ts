// The capture that always works where a display exists: screenshot-desktop (on Linux it spawns
// ImageMagick `import -window root` and needs xrandr; on Windows/macOS it uses the system tools).
// Slow (tens to hundreds of ms per frame), used only where node-screenshots does not load.
import { createRequire } from 'node:module';
import sharp from 'sharp';
import type { RgbImage } from '../image.ts';

type ScreenshotFn = (opts?: { format?: string; screen?: string | number }) => Promise<Buffer>;

let fn: { shot?: ScreenshotFn; reason?: string } | undefined;

export function screenshotDesktop(): { shot?: ScreenshotFn; reason?: string } {
  if (fn) return fn;
  try {
    const shot = createRequire(import.meta.url)('screenshot-desktop') as ScreenshotFn;
    fn = typeof shot === 'function' ? { shot } : { reason: 'screenshot-desktop has an unexpected shape' };
  } catch (err) {
    fn = { reason: `screenshot-desktop did not load (${(err as Error).message.split('\n')[0]})` };
  }
  return fn;
}

/**
 * The primary screen as RGB; with `rect`, only that part of it (clipped to the screen). Rect is in
 * screen pixels.
 */
export async function fallbackCapture(rect?: { x: number; y: number; width: number; height: number }): Promise<RgbImage> {
  const { shot, reason } = screenshotDesktop();
  if (!shot) throw new Error(reason);
  let bytes: Buffer;
  try {
    bytes = await shot({ format: 'png' });
  } catch (err) {
    throw new Error(`screenshot-desktop failed (${String((err as Error).message ?? err).split('\n')[0]})`);
  }
  let pipeline = sharp(bytes);
  if (rect) {
    const meta = await sharp(bytes).metadata();
    const sw = meta.width ?? 0;
    const sh = meta.height ?? 0;
    const left = Math.max(0, Math.min(sw - 1, Math.round(rect.x)));
    const top = Math.max(0, Math.min(sh - 1, Math.round(rect.y)));
    const width = Math.max(1, Math.min(sw - left, Math.round(rect.width) - (left - Math.round(rect.x))));
    const height = Math.max(1, Math.min(sh - top, Math.round(rect.height) - (top - Math.round(rect.y))));
    pipeline = pipeline.extract({ left, top, width, height });
  }
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}
