// Tiny crop folders for the training tests: each label is a distinct colour pattern with noise,
// written as real PNG files in the article's split layout.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import seedrandom from 'seedrandom';

export interface TinySpec {
  /** label -> crops per split [train, validate, test] */
  labels: Record<string, [number, number, number]>;
  width?: number;
  height?: number;
  seed?: number;
  /** colour of a label's crops (default: one derived from the label) */
  colour?: (label: string) => [number, number, number];
}

function colourOf(label: string): [number, number, number] {
  let h = 0;
  for (const ch of label) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return [40 + (h % 180), 40 + ((h >>> 8) % 180), 40 + ((h >>> 16) % 180)];
}

/** Writes <root>/data/{train,validate,test}/{cog,toon}/<label>_<i>.png. */
export async function writeTinyCrops(root: string, spec: TinySpec): Promise<void> {
  const w = spec.width ?? 16;
  const h = spec.height ?? 32;
  const rand = seedrandom(String(spec.seed ?? 7));
  const splits = ['train', 'validate', 'test'] as const;
  for (const [label, counts] of Object.entries(spec.labels)) {
    const kind = label.startsWith('cog') ? 'cog' : 'toon';
    const [r, g, b] = (spec.colour ?? colourOf)(label);
    let index = 0;
    for (let s = 0; s < 3; s++) {
      const dir = path.join(root, 'data', splits[s]!, kind);
      await mkdir(dir, { recursive: true });
      for (let i = 0; i < counts[s]!; i++) {
        const px = Buffer.alloc(w * h * 3);
        for (let p = 0; p < w * h; p++) {
          const stripe = kind === 'toon' && Math.floor((p / w) % 8) < 4 ? 60 : 0;
          px[p * 3] = Math.min(255, r + stripe + Math.floor(rand() * 30));
          px[p * 3 + 1] = Math.min(255, g + Math.floor(rand() * 30));
          px[p * 3 + 2] = Math.min(255, b + Math.floor(rand() * 30));
        }
        const png = await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
        await writeFile(path.join(dir, `${label}_${index++}.png`), png);
      }
    }
  }
}

/** A small binary set: two Cogs and two Toons. */
export const BINARY_SPEC: TinySpec = {
  labels: {
    cog_sb_coldcaller: [6, 2, 2],
    cog_lb_bloodsucker: [6, 2, 2],
    toon_dog: [6, 2, 2],
    toon_cat: [6, 2, 2],
  },
};

/** Binary crops a hand-built model can separate perfectly: Cogs dark, Toons bright. */
export const DARK_LIGHT_SPEC: TinySpec = {
  labels: {
    cog_sb_coldcaller: [5, 2, 3],
    cog_bb_flunky: [5, 2, 3],
    toon_dog: [5, 2, 3],
    toon_cat: [5, 2, 3],
  },
  colour: (label) => (label.startsWith('cog') ? [20, 20, 20] : [200, 200, 200]),
};
