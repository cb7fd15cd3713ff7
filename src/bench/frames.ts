// `toonvision bench frames`: a folder of moving frames at a player's window size, made from one real
// screenshot by panning and zooming a camera across it (upscaled so the window always lies inside), so
// that `bench live --source folder:DIR` measures the agent on frames that change every frame, as a
// game window does. sharp does the crop and the resize (lanczos3); each frame is written through a
// temporary name and a rename.
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

export interface FramesOptions {
  /** The real screenshot to pan across. */
  from: string;
  /** Folder the frames go to (created; frame-0001.png and on). */
  out: string;
  width: number;
  height: number;
  frames: number;
  /** Extra zoom at the middle of the path (default 0.15: the camera goes from 1x to 1.15x and back). */
  zoom?: number;
}

export interface FramesResult {
  out: string;
  frames: number;
  width: number;
  height: number;
  source: { file: string; width: number; height: number };
  /** Source pixels the camera moves per frame (mean). */
  panPerFrame: number;
}

/** The camera's window on the source for frame i of n: [left, top, width, height] in source pixels. */
export function cameraWindow(i: number, n: number, src: { width: number; height: number }, out: { width: number; height: number }, zoom = 0.15): [number, number, number, number] {
  const t = n <= 1 ? 0 : i / (n - 1);
  // The window at 1x covers 1/1.2 of the source along its tighter side (margin to pan in), the frame's aspect.
  const cover = Math.min(src.width / out.width, src.height / out.height) / 1.2;
  const z = 1 + zoom * Math.sin(Math.PI * t);
  const w = Math.max(1, Math.round((out.width * cover) / z));
  const h = Math.max(1, Math.round((out.height * cover) / z));
  // Across and back horizontally, down once vertically.
  const left = Math.round((src.width - w) * (0.5 - 0.5 * Math.cos(2 * Math.PI * t)));
  const top = Math.round((src.height - h) * t);
  return [left, top, w, h];
}

/** Writes `frames` moving frames of `width` x `height` from one screenshot. */
export async function writeMovingFrames(opts: FramesOptions): Promise<FramesResult> {
  const meta = await sharp(opts.from).metadata().catch((err: Error) => {
    throw new Error(`${opts.from}: not a readable image (${err.message.split('\n')[0]})`);
  });
  const src = { width: meta.width ?? 0, height: meta.height ?? 0 };
  if (src.width < 16 || src.height < 16) throw new Error(`${opts.from}: ${src.width}x${src.height} is too small to pan across`);
  await mkdir(opts.out, { recursive: true });
  let moved = 0;
  let prev: [number, number, number, number] | undefined;
  for (let i = 0; i < opts.frames; i++) {
    const win = cameraWindow(i, opts.frames, src, opts, opts.zoom);
    if (prev) moved += Math.hypot(win[0] - prev[0], win[1] - prev[1]);
    prev = win;
    const file = path.join(opts.out, `frame-${String(i + 1).padStart(4, '0')}.png`);
    const tmp = `${file}.partial-${process.pid}.png`;
    try {
      await sharp(opts.from)
        .extract({ left: win[0], top: win[1], width: win[2], height: win[3] })
        .resize(opts.width, opts.height, { fit: 'fill', kernel: 'lanczos3' })
        .removeAlpha()
        .png({ compressionLevel: 1 })
        .toFile(tmp);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
  return { out: opts.out, frames: opts.frames, width: opts.width, height: opts.height, source: { file: opts.from, ...src }, panPerFrame: opts.frames > 1 ? Math.round((moved / (opts.frames - 1)) * 10) / 10 : 0 };
}
