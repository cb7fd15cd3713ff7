// Shared by the dataset tests: real image bytes made with sharp, VOC files, and folder listings.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { VocObject } from '../src/dataset/voc.ts';
import { formatVoc } from '../src/dataset/voc.ts';

/** A width x height RGB image with a deterministic pattern (varied by `seed`). */
export function pattern(width: number, height: number, seed = 0): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 5 + seed * 31) & 255;
      raw[i + 1] = (y * 7 + seed * 17) & 255;
      raw[i + 2] = ((x ^ y) * 3 + seed) & 255;
    }
  }
  return raw;
}

export function encode(format: 'png' | 'jpeg', width: number, height: number, seed = 0): Promise<Buffer> {
  return sharp(pattern(width, height, seed), { raw: { width, height, channels: 3 } })[format]().toBuffer();
}

export function object(name: string, xmin: number, ymin: number, xmax: number, ymax: number): VocObject {
  return { name, pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: { xmin, ymin, xmax, ymax } };
}

export function vocText(filename: string, width: number, height: number, objects: VocObject[]): string {
  return formatVoc({
    folder: 'screenshots',
    filename,
    path: filename,
    source: { database: 'Unknown' },
    size: { width, height, depth: 3 },
    segmented: 0,
    objects,
  });
}

/** Writes `<stem>.<ext>` image bytes and, unless xml is null, `<stem>.xml` beside it. */
export async function screenshot(dir: string, file: string, bytes: Buffer | null, xml: string | null): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (bytes) await writeFile(path.join(dir, file), bytes);
  if (xml !== null) await writeFile(path.join(dir, file.replace(/\.[^.]+$/, '.xml')), xml);
}

/** Every file under `dir` (relative path -> sha1 of content), sorted. */
export async function listTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(d: string): Promise<void> {
    if (!existsSync(d)) return;
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else out.set(path.relative(dir, full), createHash('sha1').update(await readFile(full)).digest('hex'));
    }
  }
  await walk(dir);
  return out;
}
