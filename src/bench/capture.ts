// `toonvision bench capture`: what the capture stage costs at the window's real size: grabbing a frame
// (with its RGBA -> RGB conversion, as the agent's sources do it), that conversion alone, and the
// detector's letterbox of the frame into its input (the one resize the detector needs; classifier
// crops are cut from the full frame). Median wall time per frame, and mean CPU time of the process.
import { createSource, type CaptureSource } from '../capture/index.ts';
import { rgbaToRgb } from '../capture/native.ts';
import { letterboxRgbToFloat } from '../detect/resize.ts';

export interface CaptureBenchOptions {
  source: string;
  title?: string;
  frames: number;
  /** The detector input side the letterbox is measured for (416: NanoDet). */
  inputSize?: number;
}

export interface CaptureBenchResult {
  source: string;
  frames: number;
  width: number;
  height: number;
  /** Median ms per frame: the source's grab (conversion included), the conversion alone on a frame-sized RGBA buffer, the letterbox. */
  ms: { grab: number; rgbaToRgb: number; letterbox: number };
  /** Mean CPU ms of this process per frame for the same three (CPU clocks are too coarse for one frame). */
  cpuMs: { grab: number; rgbaToRgb: number; letterbox: number };
  inputSize: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.floor(s.length / 2)]! * 100) / 100 : 0;
};

const mean = (xs: number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100 : 0);

function timed<T>(f: () => T): { value: T; ms: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, ms, cpu: (c.user + c.system) / 1000 };
}

export async function runCaptureBench(opts: CaptureBenchOptions): Promise<CaptureBenchResult> {
  const size = opts.inputSize ?? 416;
  const source: CaptureSource = await createSource(opts.source, { title: opts.title });
  const t = { grab: [] as number[], rgbaToRgb: [] as number[], letterbox: [] as number[] };
  const c = { grab: [] as number[], rgbaToRgb: [] as number[], letterbox: [] as number[] };
  let width = 0;
  let height = 0;
  let rgba: Uint8Array | undefined;
  let buffer: Float32Array | undefined;
  try {
    for (let i = 0, waited = 0; i < opts.frames + 1; ) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const g = await source.grab();
      const grabMs = performance.now() - t0;
      const grabCpu = process.cpuUsage(c0);
      if (!g.frame) {
        if (++waited > 50) throw new Error(`the source gives no frames: ${g.waiting}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const img = g.frame.image;
      width = img.width;
      height = img.height;
      if (!rgba || rgba.length !== width * height * 4) rgba = Uint8Array.from({ length: width * height * 4 }, (_, k) => (k * 7) % 251);
      const conv = timed(() => rgbaToRgb(rgba!, width, height));
      const lb = timed(() => letterboxRgbToFloat(img, size, size, buffer));
      buffer = lb.value.data;
      if (i++ === 0) continue; // the first frame warms up (window search, axis tables)
      t.grab.push(grabMs);
      c.grab.push((grabCpu.user + grabCpu.system) / 1000);
      t.rgbaToRgb.push(conv.ms);
      c.rgbaToRgb.push(conv.cpu);
      t.letterbox.push(lb.ms);
      c.letterbox.push(lb.cpu);
    }
  } finally {
    source.close();
  }
  return {
    source: opts.source,
    frames: t.grab.length,
    width,
    height,
    ms: { grab: median(t.grab), rgbaToRgb: median(t.rgbaToRgb), letterbox: median(t.letterbox) },
    cpuMs: { grab: mean(c.grab), rgbaToRgb: mean(c.rgbaToRgb), letterbox: mean(c.letterbox) },
    inputSize: size,
  };
}
