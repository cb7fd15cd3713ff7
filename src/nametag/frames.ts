// Labelled frames of made-up Cog tags for measuring the finder and the reader (`toonvision nametags
// render`, then `bench nametags --dir`): each frame a background with Cog tags (and a Toon's) drawn at
// a chosen size, some cut by the frame's edge; beside it a VOC file whose Cog boxes stand where the
// Cogs would (under their tags, tags left out of the boxes), and one nametags.tsv for the folder.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { writeVoc, type VocObject } from '../dataset/voc.ts';
import type { RgbImage } from '../image.ts';
import { rngFor } from '../synth/rng.ts';
import { writeTagLabels, type TagLabel } from './labels.ts';
import { TagFont } from './render.ts';
import { backgroundPatch, degrade, loadBackgrounds, placeTag, randomDegrade, randomTagLayers, randomTruth, type DrawnTag } from './synth.ts';
import { tagText } from './vocabulary.ts';

export interface FramesOptions {
  font: string;
  toonFont?: string;
  backgrounds: string[];
  out: string;
  count: number;
  width: number;
  height: number;
  /** line pitch range in px */
  em: [number, number];
  seed: number;
}

export interface FramesResult {
  frames: number;
  /** whole tags (listed in nametags.tsv) */
  tags: number;
  /** tags cut by the frame's edge (their Cogs only in the VOC files) */
  cut: number;
}

/** Writes `count` labelled frames and nametags.tsv into `out`. */
export async function renderTagFrames(opts: FramesOptions): Promise<FramesResult> {
  const font = TagFont.load(opts.font);
  const toonFont = opts.toonFont ? TagFont.load(opts.toonFont) : undefined;
  const backgrounds = await loadBackgrounds(opts.backgrounds, 6, rngFor('nametag-frames', opts.seed, 'streets'));
  await mkdir(opts.out, { recursive: true });
  const labels: TagLabel[] = [];
  let tags = 0;
  let cut = 0;
  for (let f = 0; f < opts.count; f++) {
    const rng = rngFor('nametag-frames', opts.seed, f);
    let frame: RgbImage = await backgroundPatch(rng, backgrounds, opts.width, opts.height);
    const cogs = rng.int(2, 4);
    const slots = cogs + 1;
    const objects: VocObject[] = [];
    const drawn: DrawnTag[] = [];
    for (let k = 0; k < slots; k++) {
      const toon = k === slots - 1;
      const truth = toon ? null : randomTruth(rng);
      const em = Math.exp(rng.range(Math.log(opts.em[0]), Math.log(opts.em[1])));
      const { layers, style } = await randomTagLayers(rng, font, toonFont, em, truth);
      const slotW = opts.width / slots;
      let x = Math.round(k * slotW + rng.range(0, Math.max(0, slotW - layers.width)));
      let y = Math.round(rng.range(0.05, 0.5) * opts.height);
      // Now and then a Cog at the frame's edge: its tag is cut.
      if (!toon && rng.chance(0.15)) {
        const side = rng.pick(['left', 'right', 'top'] as const);
        if (side === 'left' && k === 0) x = -Math.round(layers.width * rng.range(0.1, 0.5));
        else if (side === 'right' && k === slots - 2) x = opts.width - Math.round(layers.width * rng.range(0.5, 0.9));
        else if (side === 'top') y = -Math.round(layers.height * rng.range(0.2, 0.5));
      }
      const placed = placeTag(frame, layers, style, x, y, truth, toon);
      frame = placed.frame;
      drawn.push(placed.tag);
      // The character's box under its tag: about as wide as the tag, two to three times as high.
      const bw = layers.width * rng.range(0.5, 1.2);
      const bh = bw * rng.range(1.6, 3);
      const cxBox = x + layers.width / 2 + rng.range(-0.3, 0.3) * em;
      const top = y + layers.height + rng.range(0.3, 1.5) * em;
      const box = {
        xmin: Math.max(0, Math.round(cxBox - bw / 2)),
        ymin: Math.max(0, Math.round(top)),
        xmax: Math.min(opts.width, Math.round(cxBox + bw / 2)),
        ymax: Math.min(opts.height, Math.round(top + bh)),
      };
      if (box.xmax - box.xmin < 4 || box.ymax - box.ymin < 4) continue;
      const label = truth ? (truth.name ? `cog_${truth.suit}_${truth.name}` : `cog_${truth.suit}`) : 'toon';
      objects.push({ name: label, pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: box });
      if (truth) {
        // nametags.tsv lists the tags that can be read whole; a cut one is only in the VOC file.
        const known = placed.tag.known;
        if (!known.name || !known.suit || !known.level) cut++;
        else {
          tags++;
          labels.push({ image: `frame_${String(f).padStart(4, '0')}.png`, box, label, level: truth.level, text: tagText(truth) });
        }
      }
    }
    frame = await degrade(frame, randomDegrade(rng));
    const stem = `frame_${String(f).padStart(4, '0')}`;
    await writeFile(path.join(opts.out, `${stem}.png`), await sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.length), { raw: { width: frame.width, height: frame.height, channels: 3 } }).png().toBuffer());
    await writeVoc(path.join(opts.out, `${stem}.xml`), {
      folder: path.basename(opts.out),
      filename: `${stem}.png`,
      path: `${stem}.png`,
      source: { database: 'toonvision nametags render' },
      size: { width: opts.width, height: opts.height, depth: 3 },
      segmented: 0,
      objects,
    });
  }
  await writeTagLabels(path.join(opts.out, 'nametags.tsv'), labels);
  return { frames: opts.count, tags, cut };
}
