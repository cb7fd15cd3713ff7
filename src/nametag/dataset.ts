// Training windows for the tag reader: made-up tags (synth.ts) drawn over background pieces, cut
// out as the finder would cut them (give or take), with each head's answer: what the tag says where
// it can be read, '?' where the frame's edge or the window cut a line off, and for Toons' tags and
// bare backgrounds.
import type { RgbImage } from '../image.ts';
import type { Rng } from '../synth/rng.ts';
import { HEAD_CLASSES, INPUT, readWindow, UNKNOWN, windowPixels, type Head } from './model.ts';
import type { TagFont } from './render.ts';
import { backgroundPatch, degrade, knownIn, placeTag, randomDegrade, randomTagLayers, randomTruth, type Bbox, type Known, type TagTruth } from './synth.ts';

/** Each head's class index. */
export type HeadLabels = Record<Head, number>;

/** The heads' answers for a tag (null: not a Cog's tag) of which `known` parts can be read. */
export function labelsFor(truth: TagTruth | null, known: Known): HeadLabels {
  const idx = (head: Head, c: string) => HEAD_CLASSES[head].indexOf(c);
  const lv = truth && known.level ? truth.level : undefined;
  return {
    name: idx('name', truth && known.name ? (truth.skelecog ? 'skelecog' : truth.name!) : UNKNOWN),
    suit: idx('suit', truth && known.suit ? truth.suit : UNKNOWN),
    tens: idx('tens', lv === undefined ? UNKNOWN : lv >= 10 ? `${Math.floor(lv / 10)}` : '-'),
    units: idx('units', lv === undefined ? UNKNOWN : `${lv % 10}`),
    v2: idx('v2', lv === undefined ? UNKNOWN : truth!.v2 ? 'yes' : 'no'),
  };
}

/** Line pitch in px: log-uniform in [lo, hi]. */
function randomEm(rng: Rng, lo: number, hi: number): number {
  return Math.exp(rng.range(Math.log(lo), Math.log(hi)));
}

/** Moves each edge of a box by up to `f` of the line pitch (the finder's error). */
function jitter(rng: Rng, b: Bbox, em: number, f: number): Bbox {
  const x0 = b[0] + rng.range(-f, f) * em;
  const y0 = b[1] + rng.range(-f, f) * em;
  const x1 = b[0] + b[2] + rng.range(-f, f) * em;
  const y1 = b[1] + b[3] + rng.range(-f, f) * em;
  return [x0, y0, Math.max(2, x1 - x0), Math.max(2, y1 - y0)];
}

export interface SampleOptions {
  /** line pitch range in px */
  em: [number, number];
}

export interface Sample {
  /** INPUT pixels, 0-255 */
  pixels: Uint8Array;
  labels: HeadLabels;
  kind: 'cog' | 'cut' | 'part' | 'toon' | 'none';
}

/** One training window. */
export async function makeSample(rng: Rng, font: TagFont, toonFont: TagFont | undefined, backgrounds: readonly RgbImage[], opts: SampleOptions): Promise<Sample> {
  const roll = rng.next();
  const kind: Sample['kind'] = roll < 0.68 ? 'cog' : roll < 0.8 ? 'cut' : roll < 0.88 ? 'part' : roll < 0.95 ? 'toon' : 'none';
  const em = randomEm(rng, opts.em[0], opts.em[1]);
  const truth = kind === 'toon' || kind === 'none' ? null : randomTruth(rng);
  const { layers, style } = await randomTagLayers(rng, font, toonFont, em, truth);
  const mx = Math.round(em * rng.range(0.8, 2));
  const my = Math.round(em * rng.range(0.8, 2));
  let patch = await backgroundPatch(rng, backgrounds, layers.width + 2 * mx, layers.height + 2 * my);
  let x = mx + rng.int(-Math.round(0.5 * em), Math.round(0.5 * em));
  let y = my + rng.int(-Math.round(0.5 * em), Math.round(0.5 * em));
  if (kind === 'cut') {
    // The frame's edge across the tag: left, right or top.
    const side = rng.pick(['left', 'right', 'top'] as const);
    if (side === 'left') x = -Math.round(layers.width * rng.range(0.05, 0.6));
    else if (side === 'right') x = patch.width - Math.round(layers.width * rng.range(0.4, 0.95));
    else y = -Math.round(layers.height * rng.range(0.1, 0.6));
  }
  let plate: Bbox;
  let known: Known;
  if (kind === 'none') {
    plate = [x, y, layers.width, layers.height];
    known = { name: false, suit: false, level: false };
  } else {
    const placed = placeTag(patch, layers, style, x, y, truth, kind === 'toon');
    patch = placed.frame;
    plate = placed.tag.plate;
    known = placed.tag.known;
    if (kind === 'part') {
      // The finder took only some of the lines: the window is cut above or below a line.
      const ls = placed.tag.lines;
      const from = rng.int(0, ls.length - 2);
      const to = rng.int(from + 1, ls.length - 1);
      const top = from === 0 ? plate[1] : ls[from]![1] - 0.25 * em;
      const bottom = to === ls.length - 1 ? plate[1] + plate[3] : ls[to]![1] + ls[to]![3] + 0.2 * em;
      plate = [plate[0], top, plate[2], bottom - top];
      if (from === 0 && to === ls.length - 1) plate = placed.tag.plate;
      known = knownIn(truth, ls, plate);
      known = { name: known.name && placed.tag.known.name, suit: known.suit && placed.tag.known.suit, level: known.level && placed.tag.known.level };
    }
  }
  patch = await degrade(patch, randomDegrade(rng));
  const win = readWindow(jitter(rng, plate, em, 0.15));
  const px = windowPixels(patch, win);
  const pixels = new Uint8Array(px.length);
  for (let i = 0; i < px.length; i++) pixels[i] = Math.round(px[i]!);
  return { pixels, labels: labelsFor(truth, known), kind };
}

/** `n` windows, made a few at a time (sharp works on its own threads meanwhile). */
export async function makeSamples(n: number, seedRng: (i: number) => Rng, font: TagFont, toonFont: TagFont | undefined, backgrounds: readonly RgbImage[], opts: SampleOptions, onProgress?: (done: number) => void): Promise<{ pixels: Uint8Array; labels: HeadLabels[]; kinds: Sample['kind'][] }> {
  const size = INPUT[0] * INPUT[1] * INPUT[2];
  const pixels = new Uint8Array(n * size);
  const labels: HeadLabels[] = new Array(n);
  const kinds: Sample['kind'][] = new Array(n);
  const chunk = 8;
  for (let i = 0; i < n; i += chunk) {
    const got = await Promise.all(Array.from({ length: Math.min(chunk, n - i) }, (_, k) => makeSample(seedRng(i + k), font, toonFont, backgrounds, opts)));
    got.forEach((s, k) => {
      pixels.set(s.pixels, (i + k) * size);
      labels[i + k] = s.labels;
      kinds[i + k] = s.kind;
    });
    onProgress?.(Math.min(n, i + chunk));
  }
  return { pixels, labels, kinds };
}
