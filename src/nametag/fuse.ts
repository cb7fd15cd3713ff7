// A Cog's tag joined to its detection: where the tag is read surely, the game's own words give the
// suit and name (and the level, new); the body classifiers' answer stays beside them in `visual`, so
// both can be measured. Also: the tags of a frame's Cogs read in one batch.
import type { RgbImage } from '../image.ts';
import type { Suit } from '../taxonomy.ts';
import { locateTag, type Bbox, type FoundPlate } from './locate.ts';
import { UNSURE, type NametagRead, type TagReader } from './read.ts';

/** The fields of a detection this module reads and writes (the cascade's LiveDetection has them). */
export interface TaggedDetection {
  bbox: [number, number, number, number];
  label: 'cog' | 'toon';
  suit?: string;
  name?: string;
  animal?: string;
  fineScore?: number;
  level?: number;
  nametag?: NametagRead;
  visual?: { suit?: string; name?: string; animal?: string; fineScore?: number };
}

/** Finds and reads the tags above `boxes` in one batch; undefined where no tag is seen. */
export async function readTags(img: RgbImage, boxes: readonly Bbox[], reader: TagReader): Promise<(NametagRead | undefined)[]> {
  const plates = boxes.map((b) => locateTag(img, b));
  const found = plates.filter((p): p is FoundPlate => p !== undefined);
  const reads = found.length ? await reader.read(img, found) : [];
  return plates.map((p) => (p ? reads[found.indexOf(p)] : undefined));
}

/** Toons the binary classifier is less sure of than this have their tag looked for too. */
export const TOON_CHECK = 0.9;

/** Which detections' tags are read: every Cog, and the Toons the binary classifier is unsure of. */
export function wantsTag(d: TaggedDetection & { kindScore?: number }): boolean {
  return d.label === 'cog' || (d.kindScore !== undefined && d.kindScore < TOON_CHECK);
}

/** True when a read tells something about a Cog surely. */
export function sureCogRead(r: NametagRead | undefined): r is NametagRead {
  return r !== undefined && r.score >= UNSURE && (r.name !== undefined || r.suit !== undefined || r.level !== undefined);
}

/** A tag's read moved with its character (a kept read on a later frame): its box shifted by `dx`, `dy`. */
export function shiftRead(r: NametagRead, dx: number, dy: number): NametagRead {
  const [x, y, w, h] = r.bbox;
  return { ...r, bbox: [Math.round(x + dx), Math.round(y + dy), w, h] };
}

/**
 * The detection with its tag: `nametag` always (when one was read), `visual` (the body classifiers'
 * answer), and where the read is sure: `level`, `suit` and `name` from the tag (a name the tag does
 * not give is kept only when its suit agrees with the tag's), `fineScore` the read's score. A Toon
 * with a sure Cog tag above it becomes a Cog (Toons' tags are never read as Cogs').
 */
export function applyTag<T extends TaggedDetection>(d: T, read: NametagRead | undefined): T {
  if (!read) return d;
  const out: T = { ...d, nametag: read };
  const visual: NonNullable<TaggedDetection['visual']> = {};
  if (d.suit !== undefined) visual.suit = d.suit;
  if (d.name !== undefined) visual.name = d.name;
  if (d.animal !== undefined) visual.animal = d.animal;
  if (d.fineScore !== undefined) visual.fineScore = d.fineScore;
  out.visual = visual;
  if (!sureCogRead(read)) return out;
  if (out.label === 'toon') {
    out.label = 'cog';
    delete out.animal;
  }
  if (read.suit) {
    if (out.suit !== read.suit) delete out.name;
    out.suit = read.suit as Suit;
  }
  if (read.name) out.name = read.name;
  if (read.level !== undefined) out.level = read.level;
  out.fineScore = read.name || !out.name ? read.score : Math.min(read.score, d.fineScore ?? read.score);
  return out;
}
