// Opt-in collection of unlabelled game frames while playing (`agent --collect`): every few seconds a
// frame that differs from the ones already kept is saved as JPEG into <root>/raw/unlabelled/, up to a
// cap on disk. `retrain` has the teacher (the shipped pretrained detector and the classifiers) label
// them for the student detector; `predict --write-voc` pre-labels them for the labelling tools.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { layout } from '../dataset/layout.ts';
import type { RgbImage } from '../image.ts';
import { timestampName } from './screenshot.ts';

/** Where collected frames go under a captures root. */
export function unlabelledDir(root: string): string {
  return layout(root).unlabelled;
}

/**
 * A 64-bit difference hash: 9x8 grey thumbnail, one bit per horizontal neighbour pair. Near-identical
 * frames (the same spot, a few pixels of animation) differ in a few bits. (Hand-written: 15 lines on
 * the pixels we already hold; the npm perceptual-hash packages decode files themselves.)
 */
export function dHash(img: RgbImage): bigint {
  const W = 9;
  const H = 8;
  const grey = new Float64Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // Mean of the block of source pixels under this thumbnail cell (sampled every few pixels).
      const x0 = Math.floor((x * img.width) / W);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * img.width) / W));
      const y0 = Math.floor((y * img.height) / H);
      const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * img.height) / H));
      const step = Math.max(1, Math.floor((x1 - x0) / 8));
      let sum = 0;
      let n = 0;
      for (let yy = y0; yy < y1; yy += step) {
        for (let xx = x0; xx < x1; xx += step) {
          const i = (yy * img.width + xx) * 3;
          sum += 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
          n++;
        }
      }
      grey[y * W + x] = sum / n;
    }
  }
  let h = 0n;
  for (let y = 0; y < H; y++) for (let x = 0; x < W - 1; x++) h = (h << 1n) | (grey[y * W + x]! < grey[y * W + x + 1]! ? 1n : 0n);
  return h;
}

export function hammingDistance(a: bigint, b: bigint): number {
  let x = a ^ b;
  let n = 0;
  while (x) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

export interface CollectOptions {
  root: string;
  /** Cap on disk for the folder, in bytes (default 500 MB). */
  maxBytes?: number;
  /** At most one frame per this many ms (default 3000). */
  everyMs?: number;
  /** Frames whose hash is within this many bits of a kept one are duplicates (default 8 of 64). */
  minDistance?: number;
  quality?: number;
}

export interface CollectStatus {
  dir: string;
  frames: number;
  bytes: number;
  maxBytes: number;
  full: boolean;
}

export class FrameCollector {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly everyMs: number;
  private readonly minDistance: number;
  private hashes: bigint[] = [];
  private frames = 0;
  private bytes = 0;
  private last = -Infinity;
  private busy = false;

  private constructor(readonly opts: CollectOptions) {
    this.dir = unlabelledDir(opts.root);
    this.maxBytes = opts.maxBytes ?? 500 * 1024 * 1024;
    this.everyMs = opts.everyMs ?? 3000;
    this.minDistance = opts.minDistance ?? 8;
  }

  /** A collector that counts what the folder already holds (frames, bytes) towards the cap. */
  static async open(opts: CollectOptions): Promise<FrameCollector> {
    const c = new FrameCollector(opts);
    if (existsSync(c.dir)) {
      for (const n of await readdir(c.dir)) {
        if (!/\.jpe?g$/i.test(n)) continue;
        c.frames++;
        c.bytes += (await stat(path.join(c.dir, n))).size;
      }
    }
    return c;
  }

  status(): CollectStatus {
    return { dir: this.dir, frames: this.frames, bytes: this.bytes, maxBytes: this.maxBytes, full: this.bytes >= this.maxBytes };
  }

  /** A line for the agent's status. */
  describe(): string {
    const s = this.status();
    const mb = (b: number) => `${Math.round(b / (1024 * 1024))} MB`;
    return `collecting unlabelled frames: ${s.frames} in ${s.dir} (${mb(s.bytes)} of ${mb(s.maxBytes)}${s.full ? ', full: collection stopped' : ''})`;
  }

  /**
   * Considers a frame; saves it when enough time has passed, it is not a near-duplicate and the cap
   * allows. Resolves to the file written, or undefined. Never throws for a frame it passes over.
   */
  async offer(img: RgbImage, now = Date.now()): Promise<string | undefined> {
    if (this.busy || now - this.last < this.everyMs || this.bytes >= this.maxBytes) return undefined;
    const h = dHash(img);
    if (this.hashes.some((k) => hammingDistance(k, h) < this.minDistance)) return undefined;
    this.busy = true;
    try {
      const jpeg = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } })
        .jpeg({ quality: this.opts.quality ?? 90 })
        .toBuffer();
      if (this.bytes + jpeg.length > this.maxBytes) {
        this.bytes = this.maxBytes;
        return undefined;
      }
      await mkdir(this.dir, { recursive: true });
      let stem = timestampName(new Date(now));
      for (let i = 1; existsSync(path.join(this.dir, `${stem}.jpg`)); i++) stem = `${timestampName(new Date(now))}-${i}`;
      const file = path.join(this.dir, `${stem}.jpg`);
      await writeFile(`${file}.part`, jpeg, { flag: 'wx' });
      await rename(`${file}.part`, file);
      this.hashes.push(h);
      if (this.hashes.length > 500) this.hashes.shift();
      this.frames++;
      this.bytes += jpeg.length;
      this.last = now;
      return file;
    } finally {
      this.busy = false;
    }
  }
}
