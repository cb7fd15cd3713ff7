// Reads Cog nametag cards found in a frame and matches them to the closed vocabulary. Two readers:
// the project's own network (model.ts, trained on tags in the game's typeface) and, for comparison,
// Tesseract (tesseract.js with its packaged English data, nothing downloaded) with the vocabulary
// applied to its text. Each read says what it could read and how sure it is; an unsure read has a
// low score and gives only the parts it is sure of.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine } from '../engine/index.ts';
import sharp from 'sharp';
import type { RgbImage } from '../image.ts';
import { suitOfCog, type Suit } from '../taxonomy.ts';
import type { Bbox, FoundPlate } from './locate.ts';
import { HEAD_CLASSES, INPUT, loadReader, predictHeads, readWindow, UNKNOWN, windowPixels, type Head, type LoadedReader } from './model.ts';
import { levelFits, matchLines, MAX_TAG_LEVEL, tagText } from './vocabulary.ts';

/** One tag as read. `name`, `suit`, `level` only where the tag told them surely enough. */
export interface NametagRead {
  /** the parts read, lines joined by " / " ("Penny Pincher / Cashbot / Level 3") */
  text: string;
  /** Cog name key (`pennypincher`) */
  name?: string;
  suit?: Suit;
  level?: number;
  skelecog?: boolean;
  v2?: boolean;
  /** 0-1; below UNSURE the read is not to be trusted */
  score: number;
  /** the tag card's box [x, y, w, h] */
  bbox: Bbox;
  /** the card reached the frame's edge */
  cut?: boolean;
}

/** Cards narrower than this many line pitches are too narrow for a sure read. */
export const NARROWEST_CARD_EM = 3.2;

/** Reads scoring below this are unsure: a Cog's suit and name do not come from them. */
export const UNSURE = 0.6;
/** The level (its three answers together) counts when its probability is at least this: a wrong digit is the reader's commonest slip. */
const LEVEL_MIN = 0.8;
/** A head's answer counts when its probability is at least this. */
const HEAD_MIN = 0.5;

export interface TagReader {
  readonly kind: 'model' | 'tesseract';
  /** Reads each card (one result per card, in order). */
  read(img: RgbImage, plates: readonly FoundPlate[]): Promise<NametagRead[]>;
  dispose(): Promise<void>;
}

interface Parts {
  name?: string;
  suit?: Suit;
  level?: number;
  skelecog?: boolean;
  v2?: boolean;
}

/** Makes a read out of the parts and each part's confidence: checks them against each other. */
function finish(parts: Parts, conf: { name: number; suit: number; level: number }, plate: FoundPlate): NametagRead {
  const p = { ...parts };
  const c = { ...conf };
  let penalty = 1;
  const nameSuit = p.name ? suitOfCog(p.name) : undefined;
  if (nameSuit && p.suit && nameSuit !== p.suit) {
    // The name and the department disagree: keep the surer one, and say the read is unsure.
    if (c.name >= c.suit) p.suit = nameSuit;
    else {
      delete p.name;
      c.name = 0;
    }
    penalty *= 0.5;
  }
  if (p.name && !p.suit) {
    p.suit = nameSuit;
    c.suit = c.name;
  }
  if (p.name && p.level !== undefined && !levelFits(p.name, p.level)) penalty *= 0.6;
  // A card narrower than a department's word (about 4 em) holds no legible line: what is read there is
  // a guess (a small far Cog's or a Toon's blur in old low-resolution frames), never sure.
  if (plate.bbox[2] < NARROWEST_CARD_EM * plate.em) penalty *= 0.5;
  // "Skelecog" alone, without the department every Skelecog's tag gives under it, is a blur read as a word.
  if (p.skelecog && !p.suit) penalty *= 0.5;
  const given = [p.name || p.skelecog ? c.name : undefined, p.suit ? c.suit : undefined, p.level !== undefined ? c.level : undefined].filter((v): v is number => v !== undefined);
  const score = given.length ? Math.pow(given.reduce((a, b) => a * b, 1), 1 / given.length) * penalty : 0;
  return {
    text: tagText(p),
    ...p,
    score: Math.round(score * 1000) / 1000,
    bbox: plate.bbox,
    ...(plate.cut ? { cut: true } : {}),
  };
}

/** The windows a card is read through: its box, its sides in by a third of a line, out by a sixth. */
export function cardViews(p: FoundPlate): Bbox[] {
  const [x, y, w, h] = p.bbox;
  const d = Math.min(0.35 * p.em, 0.15 * w);
  const o = 0.17 * p.em;
  return [
    [x, y, w, h],
    [x + d, y, w - d, h],
    [x, y, w - d, h],
    [x + d, y, w - 2 * d, h],
    [x - o, y - o, w + 2 * o, h + 2 * o],
  ];
}

/** The project's reader network. */
export class ModelTagReader implements TagReader {
  readonly kind = 'model';
  constructor(private readonly loaded: LoadedReader) {}

  get metadata(): LoadedReader['metadata'] {
    return this.loaded.metadata;
  }

  async read(img: RgbImage, plates: readonly FoundPlate[]): Promise<NametagRead[]> {
    if (plates.length === 0) return [];
    const size = INPUT[0] * INPUT[1] * INPUT[2];
    // Each card read through a few windows (the finder's box, and its sides moved in or out by a
    // third of a line): the answers are averaged, so a box a little too wide or narrow reads alike.
    const views = plates.flatMap((p) => cardViews(p));
    const k = views.length / plates.length;
    const pixels = new Float32Array(views.length * size);
    views.forEach((v, i) => windowPixels(img, readWindow(v), pixels, i * size));
    const all = predictHeads(this.loaded.model, pixels, views.length);
    // Each view read on its own; per card, the surest view that reads as much as the best one.
    const viewReads = views.map((_, v) => this.decode(all, v, plates[Math.floor(v / k)]!));
    return plates.map((_, i) => {
      const mine = viewReads.slice(i * k, (i + 1) * k);
      const fields = (r: NametagRead) => (r.name || r.skelecog ? 1 : 0) + (r.suit ? 1 : 0) + (r.level !== undefined ? 1 : 0);
      const sure = mine.filter((r) => r.score >= UNSURE);
      const pool = sure.length ? sure : mine;
      const most = Math.max(...pool.map(fields));
      const best = { ...pool.filter((r) => fields(r) === most).sort((a, b) => b.score - a.score)[0]! };
      // A part another sure view reads otherwise is not sure: it is left out.
      const disputed = (key: 'name' | 'suit' | 'level') => sure.some((r) => r[key] !== undefined && best[key] !== undefined && r[key] !== best[key]);
      if (disputed('name')) delete best.name;
      if (disputed('suit')) delete best.suit;
      if (disputed('level')) {
        delete best.level;
        delete best.v2;
      }
      best.text = tagText(best);
      return { ...best, bbox: plates[i]!.bbox };
    });
  }

  /** The read of view `i` of a batch of views. */
  private decode(heads: Record<Head, Float32Array[]>, i: number, plate: FoundPlate): NametagRead {
    {
      const top = (head: Head) => {
        const probs = heads[head][i]!;
        let k = 0;
        for (let j = 1; j < probs.length; j++) if (probs[j]! > probs[k]!) k = j;
        const cls = HEAD_CLASSES[head][k]!;
        return cls === UNKNOWN || probs[k]! < HEAD_MIN ? undefined : { cls, p: probs[k]! };
      };
      const n = top('name');
      const s = top('suit');
      const tens = top('tens');
      const units = top('units');
      const v2 = top('v2');
      const parts: Parts = {};
      if (n) {
        if (n.cls === 'skelecog') parts.skelecog = true;
        else parts.name = n.cls;
      }
      if (s) parts.suit = s.cls as Suit;
      let l: { p: number } | undefined;
      if (tens && units && v2) {
        const level = (tens.cls === '-' ? 0 : Number(tens.cls) * 10) + Number(units.cls);
        if (level >= 1 && level <= MAX_TAG_LEVEL && tens.p * units.p * v2.p >= LEVEL_MIN) {
          parts.level = level;
          if (v2.cls === 'yes') parts.v2 = true;
          l = { p: tens.p * units.p * v2.p };
        }
      }
      return finish(parts, { name: n?.p ?? 0, suit: s?.p ?? 0, level: l?.p ?? 0 }, plate);
    }
  }

  async dispose(): Promise<void> {
    this.loaded.model.dispose();
  }
}

/** Tesseract's worker, as far as it is used here. */
interface TesseractWorker {
  setParameters(p: Record<string, string>): Promise<unknown>;
  recognize(image: Buffer): Promise<{ data: { text: string } }>;
  terminate(): Promise<unknown>;
}

/**
 * Tesseract (tesseract.js, a development dependency) on each card, grey, contrast stretched and
 * scaled so a line is about 40 px high; its lines matched to the vocabulary. Loads the packaged
 * English data from disk (langPath to @tesseract.js-data/eng, no cache written, nothing fetched).
 */
export class TesseractTagReader implements TagReader {
  readonly kind = 'tesseract';
  private constructor(private readonly worker: TesseractWorker) {}

  static async create(): Promise<TesseractTagReader> {
    const require = createRequire(import.meta.url);
    let langPath: string;
    let tesseract: { createWorker: (lang: string, oem: number, opts: Record<string, unknown>) => Promise<TesseractWorker> };
    try {
      langPath = (require('@tesseract.js-data/eng') as { langPath: string }).langPath;
      tesseract = (await import('tesseract.js')) as unknown as typeof tesseract;
    } catch (err) {
      throw new Error(`the Tesseract reader needs tesseract.js and @tesseract.js-data/eng (development dependencies: npm install): ${(err as Error).message.split('\n')[0]}`);
    }
    const worker = await tesseract.createWorker('eng', 1, { langPath, gzip: true, cacheMethod: 'none', logger: () => {}, errorHandler: () => {} });
    // One block of text: the tag's lines.
    await worker.setParameters({ tessedit_pageseg_mode: '6', user_defined_dpi: '300' });
    return new TesseractTagReader(worker);
  }

  async read(img: RgbImage, plates: readonly FoundPlate[]): Promise<NametagRead[]> {
    const out: NametagRead[] = [];
    for (const plate of plates) {
      const [x, y, w, h] = readWindow(plate.bbox);
      const left = Math.max(0, Math.floor(x));
      const top = Math.max(0, Math.floor(y));
      const width = Math.max(1, Math.min(img.width, Math.ceil(x + w)) - left);
      const height = Math.max(1, Math.min(img.height, Math.ceil(y + h)) - top);
      // A line about 32 px high, then black and white: Tesseract's own thresholding loses the dark
      // letters on the grey card. The cut sits halfway between the letters' grey and the card's.
      const scale = Math.max(1, 32 / Math.max(1, plate.em));
      const W = Math.round(width * scale);
      const H = Math.round(height * scale);
      const grey = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } })
        .extract({ left, top, width, height })
        .greyscale()
        .resize(W, H, { kernel: 'lanczos3' })
        .raw()
        .toBuffer();
      const sorted = Uint8Array.from(grey).sort();
      const cut = (sorted[Math.floor(sorted.length * 0.1)]! + sorted[Math.floor(sorted.length * 0.6)]!) / 2;
      const bw = Buffer.alloc(grey.length);
      for (let i = 0; i < grey.length; i++) bw[i] = grey[i]! < cut ? 0 : 255;
      const png = await sharp(bw, { raw: { width: W, height: H, channels: 1 } })
        .extend({ top: 20, bottom: 20, left: 20, right: 20, background: { r: 255, g: 255, b: 255 } })
        .png()
        .toBuffer();
      const { data } = await this.worker.recognize(png);
      const m = matchLines(data.text.split('\n'));
      const parts: Parts = {};
      if (m.name) parts.name = m.name;
      if (m.skelecog) parts.skelecog = true;
      if (m.suit) parts.suit = m.suit;
      if (m.level !== undefined) parts.level = m.level;
      if (m.v2) parts.v2 = true;
      out.push(finish(parts, m.scores, plate));
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The readers, the project's network first (the default, chosen by measurement: see the README). */
export const READERS = ['model', 'tesseract'] as const;
export type ReaderKind = (typeof READERS)[number];

/** The shipped reader network's folder. */
export const SHIPPED_READER = fileURLToPath(new URL('../../models/demo/nametag/', import.meta.url));

/** The reader network's folder: `<models>/nametag` when the player has one, else the shipped one. */
export function readerFolder(models = 'models'): string {
  const own = path.join(models, 'nametag');
  return existsSync(path.join(own, 'metadata.json')) ? own : SHIPPED_READER;
}

/** Opens a reader: the network (from `readerFolder(models)` or `dir`) or Tesseract. */
export async function openTagReader(opts: { reader?: ReaderKind; models?: string; dir?: string } = {}): Promise<TagReader> {
  if (opts.reader === 'tesseract') return TesseractTagReader.create();
  await initEngine();
  return new ModelTagReader(await loadReader(opts.dir ?? readerFolder(opts.models)));
}
