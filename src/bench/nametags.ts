// `toonvision bench nametags`: the tag finder and reader on labelled frames. Labels: the frames' VOC
// files (a Cog's fine label gives its name and suit) and, optionally, nametags.tsv in the folder (which
// tags are legible, and their levels). Each Cog's tag is looked for above its box and read; then the
// same from the whole frame (tags found anywhere, given to the boxes they sit over).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readVoc } from '../dataset/voc.ts';
import { readImage, type RgbImage } from '../image.ts';
import { assignPlates, findPlates, locateTag, type Bbox, type FoundPlate } from '../nametag/locate.ts';
import { readTagLabels, type TagLabel } from '../nametag/labels.ts';
import { UNSURE, type NametagRead, type TagReader } from '../nametag/read.ts';
import { isCoarse, parseAnyLabel, type AnyLabel } from '../taxonomy.ts';
import { TrackedLabels } from '../predict/tracked.ts';
import { classifyDetections, type CascadeModels, type LiveDetection } from '../predict/cascade.ts';
import { applyTag } from '../nametag/fuse.ts';

/** Frames each labelled frame is played for, its Cogs standing (boxes wobbling a pixel), for the tracked cost. */
export const TRACKED_FRAMES = 30;

export interface NametagCounts {
  /** tags read surely (score at least UNSURE) */
  read: number;
  correct: { name: number; suit: number; level: number };
  /** sure reads that contradict a label (any Cog in the VOC files, listed or not) */
  wrong: number;
  /** Toons whose box got a sure Cog read */
  toonsReadAsCogs: number;
}

export interface NametagBench extends NametagCounts {
  dir: string;
  reader: string;
  frames: number;
  /** legible tags: those in nametags.tsv, or every Cog with a fine label when there is none */
  tags: number;
  /** of those, the tags with a level to score */
  levels: number;
  /** Cogs in the VOC files (legible tags or not) */
  cogs: number;
  msPerTag: number;
  fromFrame: NametagCounts & { msPerFrame: number };
  /**
   * Live cost: each frame played TRACKED_FRAMES times with its Cogs tracked (tags read once per track,
   * again when unsure): ms added per frame on average, Cogs per frame, tags read per frame.
   */
  tracked: { frames: number; cogsPerFrame: number; msPerFrame: number; readsPerFrame: number };
  /**
   * With body classifiers given: the Cogs' suit and name on their boxes (not difficult ones) from the
   * body classifiers alone, and with the tag read from the box fused in (the cascade's answer).
   */
  labels?: {
    suitBoxes: number;
    nameBoxes: number;
    body: { suit: number; name: number };
    withTags: { suit: number; name: number };
  };
  failed: { file: string; reason: string }[];
}

interface Target {
  file: string;
  box: Bbox;
  label: AnyLabel;
  /** listed as legible */
  legible: boolean;
  difficult: boolean;
  level?: number;
}

const sameBox = (a: Bbox, b: TagLabel['box']) => Math.abs(a[0] - b.xmin) <= 1 && Math.abs(a[1] - b.ymin) <= 1 && Math.abs(a[0] + a[2] - b.xmax) <= 1 && Math.abs(a[1] + a[3] - b.ymax) <= 1;

function emptyCounts(): NametagCounts {
  return { read: 0, correct: { name: 0, suit: 0, level: 0 }, wrong: 0, toonsReadAsCogs: 0 };
}

/** Adds one box's read to the counts. */
function score(c: NametagCounts, t: Target, r: NametagRead | undefined): void {
  const sure = r !== undefined && r.score >= UNSURE;
  if (t.label.kind === 'toon') {
    if (sure && (r.name || r.suit)) c.toonsReadAsCogs++;
    return;
  }
  if (!sure) return;
  const wantName = isCoarse(t.label) ? undefined : t.label.name;
  const wantSuit = t.label.suit;
  // A Skelecog read on a Cog labelled by its name is a wrong name too (a Skelecog's tag gives none).
  const wrong = (r.name !== undefined && wantName !== undefined && r.name !== wantName) || (r.skelecog === true && wantName !== undefined) || (r.suit !== undefined && wantSuit !== undefined && r.suit !== wantSuit) || (r.level !== undefined && t.level !== undefined && r.level !== t.level);
  if (wrong) c.wrong++;
  if (!t.legible) return;
  c.read++;
  if (wantName !== undefined && r.name === wantName) c.correct.name++;
  if (wantSuit !== undefined && r.suit === wantSuit) c.correct.suit++;
  if (t.level !== undefined && r.level === t.level) c.correct.level++;
}

/** Runs the bench over every labelled frame in `dir` with `reader`. */
export async function runNametagBench(dir: string, reader: TagReader, body?: Pick<CascadeModels, 'suit' | 'name'>): Promise<NametagBench> {
  const tsv = path.join(dir, 'nametags.tsv');
  const listed = existsSync(tsv) ? await readTagLabels(tsv) : undefined;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.xml')).sort();
  const byBox: NametagCounts = emptyCounts();
  const fromFrame: NametagCounts = emptyCounts();
  const failed: { file: string; reason: string }[] = [];
  let frames = 0;
  let tags = 0;
  let levels = 0;
  let cogs = 0;
  let boxMs = 0;
  let boxReads = 0;
  let frameMs = 0;
  const tracked = { frames: 0, cogs: 0, ms: 0, reads: 0 };
  const labels = { suitBoxes: 0, nameBoxes: 0, body: { suit: 0, name: 0 }, withTags: { suit: 0, name: 0 } };
  for (const xml of files) {
    let img: RgbImage;
    const targets: Target[] = [];
    try {
      const voc = await readVoc(path.join(dir, xml));
      const imageFile = path.join(dir, voc.filename && existsSync(path.join(dir, voc.filename)) ? voc.filename : xml.replace(/\.xml$/, '.png'));
      img = await readImage(imageFile);
      for (const o of voc.objects) {
        let label: AnyLabel;
        try {
          label = parseAnyLabel(o.name);
        } catch {
          continue;
        }
        const box: Bbox = [o.bndbox.xmin, o.bndbox.ymin, o.bndbox.xmax - o.bndbox.xmin, o.bndbox.ymax - o.bndbox.ymin];
        const entry = listed?.find((l) => l.image === path.basename(imageFile) && sameBox(box, l.box));
        const legible = label.kind === 'cog' && (listed ? entry !== undefined : !isCoarse(label));
        targets.push({ file: imageFile, box, label, legible, difficult: o.difficult === 1, ...(entry?.level !== undefined ? { level: entry.level } : {}) });
      }
    } catch (err) {
      failed.push({ file: xml, reason: (err as Error).message.split('\n')[0]! });
      continue;
    }
    frames++;
    for (const t of targets) {
      if (t.label.kind === 'cog') cogs++;
      if (t.legible) {
        tags++;
        if (t.level !== undefined) levels++;
      }
    }
    // From each box.
    for (const t of targets) {
      const t0 = performance.now();
      const plate = locateTag(img, t.box);
      const [r] = plate ? await reader.read(img, [plate]) : [undefined];
      boxMs += performance.now() - t0;
      boxReads++;
      score(byBox, t, r);
      if (body && t.label.kind === 'cog' && !t.difficult) {
        // The body classifiers' answer on the box, then the cascade's with the tag fused in.
        const [alone] = await classifyDetections(img, [{ bbox: t.box, label: 'cog', score: 1 }], body);
        const fused = applyTag(alone!, r);
        if (t.label.suit !== undefined) {
          labels.suitBoxes++;
          if (alone!.suit === t.label.suit) labels.body.suit++;
          if (fused.suit === t.label.suit) labels.withTags.suit++;
        }
        if (!isCoarse(t.label)) {
          labels.nameBoxes++;
          if (alone!.name === t.label.name) labels.body.name++;
          if (fused.name === t.label.name) labels.withTags.name++;
        }
      }
    }
    // From the whole frame.
    const t0 = performance.now();
    const plates = findPlates(img);
    const given = assignPlates(plates, targets.map((t) => t.box));
    const toRead = given.filter((p): p is FoundPlate => p !== undefined);
    const reads = await reader.read(img, toRead);
    frameMs += performance.now() - t0;
    targets.forEach((t, i) => {
      const p = given[i];
      score(fromFrame, t, p ? reads[toRead.indexOf(p)] : undefined);
    });
    // The live agent's way: tracked, read once per track.
    const live = new TrackedLabels();
    const cogBoxes = targets.filter((t) => t.label.kind === 'cog').map((t) => t.box);
    for (let f = 0; f < TRACKED_FRAMES; f++) {
      const dets: LiveDetection[] = cogBoxes.map((b) => ({ bbox: [b[0] + (f % 2), b[1], b[2], b[3]], label: 'cog', score: 1 }));
      const t1 = performance.now();
      const r = await live.classify(img, dets, { nametag: reader });
      tracked.ms += performance.now() - t1;
      tracked.frames++;
      tracked.cogs += dets.length;
      tracked.reads += r.tagsRead ?? 0;
    }
  }
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    dir,
    reader: reader.kind,
    frames,
    tags,
    levels,
    cogs,
    ...byBox,
    msPerTag: round(boxReads ? boxMs / boxReads : 0),
    fromFrame: { ...fromFrame, msPerFrame: round(frames ? frameMs / frames : 0) },
    ...(body ? { labels } : {}),
    tracked: { frames: tracked.frames, cogsPerFrame: round(tracked.frames ? tracked.cogs / tracked.frames : 0), msPerFrame: round(tracked.frames ? tracked.ms / tracked.frames : 0), readsPerFrame: round(tracked.frames ? tracked.reads / tracked.frames : 0) },
    failed,
  };
}
