// `extract`: crops every labelled object of the raw screenshots into unsorted/{cog,toon}/<label>_<index>.png.
// A screenshot is extracted whole or not at all; bad files are reported one by one and stay in place.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RgbImage } from '../image.ts';
import sharp from 'sharp';
import { cropImage, encodePng, ImageError, readImage } from '../image.ts';
import { ALL_LABELS, formatLabel, parseAnyLabel } from '../taxonomy.ts';
import { moveNoClobber, nextIndexes } from './files.ts';
import { layout } from './layout.ts';
import type { VocAnnotation } from './voc.ts';
import { readVoc } from './voc.ts';
import { RunError } from '../errors.ts';

export interface ExtractError {
  file: string;
  reason: string;
}

export interface ExtractResult {
  /** screenshots extracted (all their crops written) */
  screenshots: number;
  /** crops written */
  crops: number;
  byLabel: Record<string, number>;
  errors: ExtractError[];
  /** objects marked `<difficult>1</difficult>`: kept in the VOC file, not cropped (too occluded or small to learn from) */
  difficult: number;
  /** screenshots (and their XML) moved to raw/processed/ */
  moved?: number;
}

export interface ExtractOptions {
  /** folder of screenshots + XML (default <root>/raw/screenshots) */
  raw?: string;
  /** move each fully extracted screenshot and its XML to <root>/raw/processed/ */
  move?: boolean;
  /** called after each screenshot (done of total) */
  onProgress?: (done: number, total: number, file: string, outcome: string) => void;
}

const IMAGE_EXT = /\.(png|jpe?g|webp|tiff?|gif|bmp)$/i;
const XML_EXT = /\.xml$/i;

interface Pair {
  stem: string;
  xml?: string;
  images: string[];
}

/** Pairs screenshots with their XML by file stem. */
async function pairFiles(dir: string): Promise<Pair[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RunError(`${dir}: cannot read the screenshots folder (${code === 'ENOENT' ? 'no such folder' : code ?? err})`);
  }
  const pairs = new Map<string, Pair>();
  const get = (stem: string) => {
    let p = pairs.get(stem);
    if (!p) pairs.set(stem, (p = { stem, images: [] }));
    return p;
  };
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    if (XML_EXT.test(name)) get(name.replace(XML_EXT, '')).xml = path.join(dir, name);
    else if (IMAGE_EXT.test(name)) get(name.replace(IMAGE_EXT, '')).images.push(path.join(dir, name));
  }
  return [...pairs.values()].sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
}

/** One object ready to be written. */
interface Planned {
  label: string;
  kind: 'cog' | 'toon';
  png: Buffer;
}

/** Checks every object of an annotation against the image; returns all problems (empty when fine). */
export function checkAnnotation(a: VocAnnotation, img: { width: number; height: number }, imageName: string): string[] {
  const problems: string[] = [];
  if (a.size.width !== img.width || a.size.height !== img.height) {
    problems.push(
      `size ${a.size.width}x${a.size.height} in the XML differs from the image ${imageName} (${img.width}x${img.height})`,
    );
    return problems;
  }
  a.objects.forEach((o, i) => {
    const what = `object ${i + 1} '${o.name}'`;
    try {
      const p = parseAnyLabel(o.name);
      if (p.index !== undefined || !ALL_LABELS.includes(formatLabel(p))) {
        problems.push(`${what}: label is not in the taxonomy (an index belongs in crop file names, not labels)`);
      }
    } catch (err) {
      problems.push(`${what}: label is not in the taxonomy (${(err as Error).message})`);
    }
    const { xmin, ymin, xmax, ymax } = o.bndbox;
    const box = `box ${xmin},${ymin},${xmax},${ymax}`;
    if (![xmin, ymin, xmax, ymax].every(Number.isInteger)) problems.push(`${what}: ${box} is not in whole pixels`);
    else if (xmax < xmin || ymax < ymin) problems.push(`${what}: ${box} is inverted (max < min)`);
    else if (xmax === xmin || ymax === ymin) problems.push(`${what}: ${box} has zero area`);
    else if (xmin < 0 || ymin < 0 || xmax > img.width || ymax > img.height) {
      problems.push(`${what}: ${box} is outside the ${img.width}x${img.height} image`);
    }
  });
  return problems;
}

/**
 * Decodes a screenshot by its content. JPEG data is also checked strictly: libjpeg only warns
 * about corrupt entropy data and would hand back garbage pixels, which must not become crops.
 */
export async function readScreenshot(file: string): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ImageError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? errMessage(err)})`);
  }
  const img = await readImage(bytes, file);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    try {
      await sharp(bytes, { failOn: 'warning' }).raw().toBuffer();
    } catch (err) {
      throw new ImageError(file, `corrupt JPEG data (${errMessage(err)})`);
    }
  }
  return img;
}

function errMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** Strips a leading "<file>: " that our error classes put in their messages. */
function reasonOf(err: unknown, file: string): string {
  const m = errMessage(err);
  return m.startsWith(`${file}: `) ? m.slice(file.length + 2) : m;
}

/**
 * Extracts every screenshot of the raw folder. Never throws for a bad file: each one is listed in
 * `errors` and left in place; the others are processed. Throws only when the folder itself cannot
 * be read.
 */
export async function extractScreenshots(root: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const l = layout(root);
  const rawDir = opts.raw ?? l.screenshots;
  const pairs = await pairFiles(rawDir);
  const next = await nextIndexes(root);
  const result: ExtractResult = { screenshots: 0, crops: 0, byLabel: {}, errors: [], difficult: 0 };
  if (opts.move) result.moved = 0;
  let done = 0;
  const progress = (file: string, outcome: string) => opts.onProgress?.(++done, pairs.length, file, outcome);

  for (const pair of pairs) {
    const fail = (file: string, reason: string) => result.errors.push({ file, reason });
    // XML without image, image without XML, and ambiguous pairs.
    if (pair.images.length === 0) {
      fail(pair.xml!, `no screenshot beside this XML (expected ${pair.stem}.png or .jpg)`);
      progress(pair.xml!, 'error');
      continue;
    }
    if (!pair.xml) {
      for (const image of pair.images) fail(image, `no VOC annotation ${pair.stem}.xml beside this screenshot`);
      progress(pair.images[0]!, 'error');
      continue;
    }
    const xmlFile = pair.xml;
    let annotation: VocAnnotation | undefined;
    try {
      annotation = await readVoc(xmlFile);
    } catch (err) {
      fail(xmlFile, reasonOf(err, xmlFile));
    }
    let imageFile = pair.images[0]!;
    if (pair.images.length > 1) {
      const named = annotation && pair.images.find((f) => path.basename(f) === annotation!.filename);
      if (!named) {
        fail(xmlFile, `several screenshots share its name (${pair.images.map((f) => path.basename(f)).join(', ')}) and <filename> names none of them`);
        progress(xmlFile, 'error');
        continue;
      }
      imageFile = named;
      for (const other of pair.images) {
        if (other !== named) fail(other, `no VOC annotation of its own: ${path.basename(xmlFile)} annotates ${path.basename(named)}`);
      }
    }
    let img: RgbImage | undefined;
    try {
      img = await readScreenshot(imageFile);
    } catch (err) {
      fail(imageFile, reasonOf(err, imageFile));
    }
    if (!annotation || !img) {
      progress(imageFile, 'error');
      continue;
    }
    const problems = checkAnnotation(annotation, img, path.basename(imageFile));
    if (problems.length > 0) {
      fail(xmlFile, problems.join('; '));
      progress(imageFile, 'error');
      continue;
    }
    const movedImage = path.join(l.processed, path.basename(imageFile));
    const movedXml = path.join(l.processed, path.basename(xmlFile));
    if (opts.move) {
      const inTheWay = [movedImage, movedXml].filter((f) => existsSync(f));
      if (inTheWay.length > 0) {
        fail(imageFile, `cannot move to ${inTheWay.join(' and ')}: already there (not overwriting); nothing extracted`);
        progress(imageFile, 'error');
        continue;
      }
    }

    // Everything checked: encode all crops, then write them with 'wx', undoing this screenshot's on failure.
    const planned: Planned[] = [];
    const difficult = annotation.objects.filter((o) => o.difficult).length;
    try {
      for (const o of annotation.objects) {
        if (o.difficult) continue;
        const p = parseAnyLabel(o.name);
        planned.push({ label: formatLabel(p), kind: p.kind, png: await encodePng(cropImage(img, o.bndbox)) });
      }
    } catch (err) {
      fail(imageFile, `cannot crop: ${errMessage(err)}`);
      progress(imageFile, 'error');
      continue;
    }
    const written: string[] = [];
    const saved = new Map(next);
    let writeError: string | undefined;
    for (const c of planned) {
      const dir = l.unsorted(c.kind);
      try {
        await mkdir(dir, { recursive: true });
        let index = next.get(c.label) ?? 0;
        for (;;) {
          const file = path.join(dir, `${c.label}_${index}.png`);
          try {
            await writeFile(file, c.png, { flag: 'wx' });
            written.push(file);
            break;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
            index++;
          }
        }
        next.set(c.label, index + 1);
      } catch (err) {
        writeError = `cannot write crop of '${c.label}' into ${dir}: ${errMessage(err)}`;
        break;
      }
    }
    if (writeError === undefined && opts.move) {
      try {
        await mkdir(l.processed, { recursive: true });
        await moveNoClobber(imageFile, movedImage);
        try {
          await moveNoClobber(xmlFile, movedXml);
        } catch (err) {
          await moveNoClobber(movedImage, imageFile).catch(() => undefined);
          throw err;
        }
      } catch (err) {
        writeError = `cannot move to ${l.processed}: ${errMessage(err)}`;
      }
    }
    if (writeError !== undefined) {
      await Promise.all(written.map((f) => unlink(f).catch(() => undefined)));
      next.clear();
      for (const [k, v] of saved) next.set(k, v);
      fail(imageFile, `${writeError}; removed the ${written.length} crop(s) already written for it`);
      progress(imageFile, 'error');
      continue;
    }
    result.screenshots++;
    result.crops += planned.length;
    result.difficult += difficult;
    for (const c of planned) result.byLabel[c.label] = (result.byLabel[c.label] ?? 0) + 1;
    if (opts.move) result.moved!++;
    progress(imageFile, `${planned.length} crop(s)`);
  }
  return result;
}
