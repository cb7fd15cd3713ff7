// Backdrops for rendered scenes: regions of real ToonTown screenshots that hold no character (every
// labelled box, with room above it for the nametag, is avoided; a screenshot without its VOC is not used,
// its characters would be unlabelled), scaled, cropped and flipped to the frame and tinted for the
// scene's light; and the game's own street and interior textures for the procedural sets.
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Box } from '../image.ts';
import { readVoc } from '../dataset/voc.ts';
import type { Rng } from '../synth/rng.ts';
import type { Rgb } from './plan.ts';

const IMAGE_EXT = /\.(png|jpe?g|gif|webp|bmp)$/i;

export interface RealScreenshot {
  file: string;
  width: number;
  height: number;
  /** labelled boxes grown upwards over their nametags, and a margin around */
  blocked: Box[];
}

/** A region of a screenshot (pixels, end exclusive). */
export interface Region {
  shot: RealScreenshot;
  box: Box;
  flip: boolean;
}

/** Reads the screenshots (with a VOC beside) of the given folders or files; others are listed as skipped. */
export async function loadScreenshots(paths: readonly string[]): Promise<{ shots: RealScreenshot[]; skipped: string[] }> {
  const files: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p}: no such folder or file`);
    if (statSync(p).isDirectory()) {
      for (const n of (await readdir(p)).sort()) if (IMAGE_EXT.test(n) && !n.startsWith('.')) files.push(path.join(p, n));
    } else files.push(p);
  }
  const shots: RealScreenshot[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const xml = file.replace(IMAGE_EXT, '.xml');
    if (!existsSync(xml)) {
      skipped.push(`${file}: no VOC .xml beside it (its characters would show unlabelled)`);
      continue;
    }
    try {
      const voc = await readVoc(xml);
      const meta = await sharp(file).metadata();
      const width = meta.width ?? voc.size.width;
      const height = meta.height ?? voc.size.height;
      const blocked = voc.objects.map(({ bndbox: b }) => {
        const h = b.ymax - b.ymin;
        const w = b.xmax - b.xmin;
        const m = Math.max(4, 0.08 * Math.max(w, h));
        // the nametag sits above the head: about as wide as the character, up to 0.8 of its height
        return { xmin: b.xmin - m - 0.25 * w, ymin: b.ymin - Math.max(0.8 * h, 30), xmax: b.xmax + m + 0.25 * w, ymax: b.ymax + m };
      });
      shots.push({ file, width, height, blocked });
    } catch (err) {
      skipped.push(`${file}: ${(err as Error).message}`);
    }
  }
  return { shots, skipped };
}

function intersects(a: Box, b: Box): boolean {
  return a.xmin < b.xmax && b.xmin < a.xmax && a.ymin < b.ymax && b.ymin < a.ymax;
}

/**
 * A free region of aspect `aspect` (width / height), at least `minFraction` of the screenshot's height and
 * `minHeight` pixels high (so that it is not blown up beyond recognition), or null when none is found in
 * a few tries.
 */
export function pickRegion(shot: RealScreenshot, aspect: number, rng: Rng, opts: { minFraction?: number; minHeight?: number } = {}): Region | null {
  const maxH = Math.min(shot.height, shot.width / aspect);
  const minH = Math.max(48, opts.minHeight ?? 0, (opts.minFraction ?? 0.3) * shot.height);
  if (maxH < minH) return null;
  for (let attempt = 0; attempt < 40; attempt++) {
    // larger regions first, smaller ones when those keep hitting characters
    const h = Math.round(maxH - (maxH - minH) * Math.min(1, attempt / 25) * rng.next());
    const w = Math.round(h * aspect);
    if (w > shot.width || h < minH) continue;
    const x = rng.int(0, shot.width - w);
    const y = rng.int(0, shot.height - h);
    const box = { xmin: x, ymin: y, xmax: x + w, ymax: y + h };
    if (!shot.blocked.some((b) => intersects(b, box))) return { shot, box, flip: rng.chance(0.5) };
  }
  return null;
}

/** The region as a JPEG of exactly width x height, tinted (multiplied per channel) for the scene's light. */
export async function regionImage(region: Region, width: number, height: number, tint: Rgb, blurPx = 0): Promise<Buffer> {
  const { box } = region;
  let img = sharp(region.shot.file, { animated: false })
    .extract({ left: box.xmin, top: box.ymin, width: box.xmax - box.xmin, height: box.ymax - box.ymin })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  if (region.flip) img = img.flop();
  if (blurPx > 0.3) img = img.blur(blurPx);
  if (tint.some((t) => Math.abs(t - 1) > 1e-3)) img = img.linear(tint, [0, 0, 0]);
  return img.removeAlpha().jpeg({ quality: 92 }).toBuffer();
}

/** Where the game keeps the textures the procedural sets use, relative to an asset folder. */
export const SET_TEXTURES = {
  sky: ['phase_3.5/maps/middayskyB.jpg'],
  ground: ['phase_3.5/maps/cobblestone_brown.jpg', 'phase_3.5/maps/cobblestone_blue.jpg', 'phase_3.5/maps/cobblestone_pink.jpg',
    'phase_3.5/maps/cobblestone_purple.jpg', 'phase_3.5/maps/sidewalkbrown.jpg', 'phase_3.5/maps/sidewalk_4cont_brown.jpg'],
  grass: ['phase_3.5/maps/grassTT.jpg', 'phase_3.5/maps/grassDG.jpg'],
  trees: ['phase_4/maps/trees_bg.jpg'],
  floor: ['phase_3.5/maps/floor_wood.jpg', 'phase_3.5/maps/carpet.jpg', 'phase_3.5/maps/boardwalk_floor.jpg', 'phase_4/maps/CementFloorx4.jpg'],
  wall: ['phase_3.5/maps/wall_paper_a1.jpg', 'phase_3.5/maps/wall_paper_a2.jpg', 'phase_3.5/maps/wall_paper_a3.jpg', 'phase_3.5/maps/wall_paper_a4.jpg',
    'phase_3.5/maps/wall_paper_a5.jpg', 'phase_3.5/maps/wall_paper_b3.jpg', 'phase_3.5/maps/wall_paper_b4.jpg', 'phase_3.5/maps/wall_paper_woodveneer.jpg',
    'phase_4/maps/CogWallBricks2.jpg'],
} as const;

export type SetTextureKind = keyof typeof SET_TEXTURES;

/** The set textures present in the asset folders, by kind (kinds with none are absent). */
export function findSetTextures(assetDirs: readonly string[]): Partial<Record<SetTextureKind, string[]>> {
  const found: Partial<Record<SetTextureKind, string[]>> = {};
  for (const [kind, rels] of Object.entries(SET_TEXTURES) as [SetTextureKind, readonly string[]][]) {
    const files: string[] = [];
    for (const rel of rels) {
      const f = assetDirs.map((d) => path.join(d, rel)).find((p) => existsSync(p));
      if (f) files.push(f);
    }
    if (files.length) found[kind] = files;
  }
  return found;
}
