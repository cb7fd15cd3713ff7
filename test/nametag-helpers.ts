// Shared by the nametag tests: the game's typefaces from the shared fixtures (skip when absent), and
// frames with made-up tags drawn over a real background.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readImage, type RgbImage } from '../src/image.ts';
import type { Bbox } from '../src/nametag/locate.ts';
import { TagFont } from '../src/nametag/render.ts';
import { placeTag, randomStyle, type DrawnTag, type TagTruth } from '../src/nametag/synth.ts';
import { renderTag } from '../src/nametag/render.ts';
import { tagLines } from '../src/nametag/vocabulary.ts';
import { rngFor } from '../src/synth/rng.ts';
import { openTagReader, SHIPPED_READER, type TagReader } from '../src/nametag/read.ts';
import { after, before } from 'node:test';
import { FIXTURES, REAL } from './helpers.ts';
import sharp from 'sharp';

export const FONT_DIR = path.join(FIXTURES, 'game-assets', 'tto-2013', 'phase_3', 'models', 'fonts');
export const COG_FONT = path.join(FONT_DIR, 'vtRemingtonPortable.ttf');
export const TOON_FONT = path.join(FONT_DIR, 'ImpressBT.ttf');

/** A skip message when the game's nametag typefaces are absent, else false. */
export function needFonts(): string | false {
  return existsSync(COG_FONT) && existsSync(TOON_FONT) ? false : `needs the game's nametag typefaces in ${FONT_DIR} (not found)`;
}

/** IoU of two [x, y, w, h] boxes. */
export function iou(a: Bbox, b: Bbox): number {
  const x0 = Math.max(a[0], b[0]);
  const y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const i = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return i / (a[2] * a[3] + b[2] * b[3] - i);
}

/** A real frame (sample_img0) scaled to `width` x `height`. */
export async function realBackground(width: number, height: number): Promise<RgbImage> {
  const buf = await sharp(path.join(REAL, 'sample_img0.png')).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  return { data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), width, height };
}

export interface TestTag {
  truth: TagTruth | null;
  /** line pitch in px */
  em: number;
  x: number;
  y: number;
}

/** Draws the tags (null truth: a Toon's tag) in the game's style; returns the frame, each tag and a Cog box under it. */
export async function drawTestTags(frame: RgbImage, tags: readonly TestTag[]): Promise<{ frame: RgbImage; drawn: (DrawnTag & { box: Bbox })[] }> {
  const cog = TagFont.load(COG_FONT);
  const toon = TagFont.load(TOON_FONT);
  const rng = rngFor('nametag-test');
  const drawn: (DrawnTag & { box: Bbox })[] = [];
  for (const t of tags) {
    const style = { ...randomStyle(rng, t.truth ? [0, 0, 0] : [0, 0, 255]), grey: 204, alpha: 0.5, lineHeight: 1 };
    const layers = await renderTag(t.truth ? cog : toon, t.truth ? tagLines(t.truth) : ['Sir Zippy', 'Hucklemoose'], t.em, style);
    const r = placeTag(frame, layers, style, t.x, t.y, t.truth, !t.truth);
    frame = r.frame;
    const bw = layers.width * 0.8;
    drawn.push({ ...r.tag, box: [Math.round(t.x + layers.width / 2 - bw / 2), Math.round(t.y + layers.height + 0.8 * t.em), Math.round(bw), Math.round(bw * 2.2)] });
  }
  return { frame, drawn };
}

export async function realFrame(name: string): Promise<RgbImage> {
  return readImage(path.join(REAL, name));
}

/** A skip message when the shipped tag reader (models/demo/nametag) is absent, else false. */
export function needShippedReader(): string | false {
  return existsSync(path.join(SHIPPED_READER, 'metadata.json')) ? false : `needs the shipped tag reader in ${SHIPPED_READER} (make it with 'toonvision nametags train --out models/demo/nametag')`;
}

/** Opens the shipped reader before the file's tests (unless they are skipped) and disposes of it after; call the result to get it. */
export function useShippedReader(skip: string | false): () => TagReader {
  let reader: TagReader | undefined;
  before(async () => {
    if (!skip) reader = await openTagReader({ dir: SHIPPED_READER });
  });
  after(async () => {
    await reader?.dispose();
  });
  return () => {
    if (!reader) throw new Error('the shipped tag reader is not open');
    return reader;
  };
}
