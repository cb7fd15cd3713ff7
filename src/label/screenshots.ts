// The screenshots of <root>/raw/screenshots as the labelling page sees them: the list (newest first,
// with their state), one screenshot's labels read from its VOC file, and saving labels back as a
// labelImg VOC file, atomically and only when the file on disk is still the one the page opened.
import { createHash, randomBytes } from 'node:crypto';
import { lstat, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { layout } from '../dataset/layout.ts';
import { formatVoc, parseVoc, VocError, type VocAnnotation, type VocObject } from '../dataset/voc.ts';
import { imageSize } from '../image.ts';
import { isAnyLabel } from '../taxonomy.ts';
import { HttpError } from '../publish/guard.ts';

const IMAGE_EXT = /\.(png|jpe?g)$/i;

export interface ScreenshotEntry {
  file: string;
  width: number;
  height: number;
  objects: number;
  labelled: boolean;
  verified: boolean;
  /** the VOC file does not parse (the page shows why) */
  error?: string;
}

export interface LabelObject {
  label: string;
  /** [x, y, w, h] in image pixels; VOC xmin = x, xmax = x + w (end exclusive) */
  bbox: [number, number, number, number];
  difficult: boolean;
  score?: number;
  predicted?: boolean;
  pose?: string;
  truncated?: number;
  /** The Cog's nametag text when the label came from its tag (kept until a person changes the label). */
  nametag?: string;
}

export interface LabelsDoc {
  file: string;
  width: number;
  height: number;
  verified: boolean;
  objects: LabelObject[];
  /** The VOC file's content hash when it was read (null: no VOC file); sent back on save. */
  version: string | null;
}

/** The folder and file names of a screenshot; 404 for anything not directly inside raw/screenshots. */
export async function screenshotPath(root: string, file: string): Promise<{ dir: string; image: string; xml: string }> {
  const dir = path.resolve(layout(root).screenshots);
  if (!file || file !== path.basename(file) || file.includes('\\') || file.includes('\0') || file.startsWith('.') || !IMAGE_EXT.test(file)) {
    throw new HttpError(404, `${file}: not a screenshot of ${dir}`);
  }
  const image = path.join(dir, file);
  try {
    const st = await lstat(image);
    if (!st.isFile()) throw new Error('not a file');
  } catch {
    throw new HttpError(404, `${image}: no such screenshot`);
  }
  return { dir, image, xml: path.join(dir, file.replace(IMAGE_EXT, '.xml')) };
}

function versionOf(bytes: Buffer | null): string | null {
  return bytes === null ? null : createHash('sha1').update(bytes).digest('hex');
}

async function readIfThere(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The screenshots, newest first (modification time, then name). */
export async function listScreenshots(root: string): Promise<ScreenshotEntry[]> {
  const dir = layout(root).screenshots;
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() && IMAGE_EXT.test(d.name) && !d.name.startsWith('.')).map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: (ScreenshotEntry & { mtime: number })[] = [];
  for (const name of names) {
    const image = path.join(dir, name);
    let size: { width: number; height: number };
    let mtime: number;
    try {
      [size, mtime] = await Promise.all([imageSize(image), stat(image).then((s) => s.mtimeMs)]);
    } catch {
      continue; // vanished or not an image: nothing to label
    }
    const e: ScreenshotEntry & { mtime: number } = { file: name, ...size, objects: 0, labelled: false, verified: false, mtime };
    const xml = await readIfThere(image.replace(IMAGE_EXT, '.xml'));
    if (xml) {
      e.labelled = true;
      try {
        const a = parseVoc(xml.toString('utf8'), name.replace(IMAGE_EXT, '.xml'));
        e.objects = a.objects.length;
        e.verified = a.verified === true;
      } catch (err) {
        e.error = (err as Error).message;
      }
    }
    out.push(e);
  }
  out.sort((a, b) => b.mtime - a.mtime || (a.file < b.file ? 1 : a.file > b.file ? -1 : 0));
  return out.map(({ mtime: _m, ...e }) => e);
}

function toObject(o: VocObject): LabelObject {
  const b = o.bndbox;
  return { label: o.name, bbox: [b.xmin, b.ymin, b.xmax - b.xmin, b.ymax - b.ymin], difficult: o.difficult !== 0, pose: o.pose, truncated: o.truncated, ...(o.nametag ? { nametag: o.nametag } : {}) };
}

/** A screenshot's labels from its VOC file, or `null` objects when it has none (the caller predicts). */
export async function readLabels(root: string, file: string): Promise<LabelsDoc & { hasVoc: boolean }> {
  const p = await screenshotPath(root, file);
  const size = await imageSize(p.image).catch((err: Error) => {
    throw new HttpError(422, err.message);
  });
  const bytes = await readIfThere(p.xml);
  if (!bytes) return { file, ...size, verified: false, objects: [], version: null, hasVoc: false };
  let a: VocAnnotation;
  try {
    a = parseVoc(bytes.toString('utf8'), p.xml);
  } catch (err) {
    throw new HttpError(422, (err as VocError).message);
  }
  return { file, ...size, verified: a.verified === true, objects: a.objects.map(toObject), version: versionOf(bytes), hasVoc: true };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a labels document from the page against the image; 400 naming the first problem. */
export function validateLabels(body: unknown, width: number, height: number): { verified: boolean; objects: LabelObject[]; version: string | null | undefined } {
  if (!isRecord(body)) throw new HttpError(400, 'expected a JSON object {verified, objects: [{label, bbox, difficult}]}');
  if (!Array.isArray(body.objects)) throw new HttpError(400, "'objects' must be an array");
  if (body.verified !== undefined && typeof body.verified !== 'boolean') throw new HttpError(400, "'verified' must be true or false");
  if (body.version !== undefined && body.version !== null && typeof body.version !== 'string') throw new HttpError(400, "'version' must be a string or null");
  const objects = body.objects.map((o, i): LabelObject => {
    const at = `objects[${i}]`;
    if (!isRecord(o)) throw new HttpError(400, `${at} must be an object`);
    if (typeof o.label !== 'string' || !isAnyLabel(o.label)) {
      throw new HttpError(400, `${at}: unknown label ${JSON.stringify(o.label)} (one of the 43 taxonomy labels, or cog, toon, cog_<bb|lb|cb|sb>)`);
    }
    const bb = o.bbox;
    if (!Array.isArray(bb) || bb.length !== 4 || !bb.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new HttpError(400, `${at} (${o.label}): bbox must be [x, y, w, h], four numbers`);
    }
    const [x, y, w, h] = (bb as number[]).map((v) => Math.round(v)) as [number, number, number, number];
    if (w <= 0 || h <= 0) throw new HttpError(400, `${at} (${o.label}): the box ${bb.join(',')} is empty`);
    if (x < 0 || y < 0 || x + w > width || y + h > height) {
      throw new HttpError(400, `${at} (${o.label}): the box ${x},${y},${x + w},${y + h} is outside the ${width}x${height} image`);
    }
    if (o.difficult !== undefined && typeof o.difficult !== 'boolean') throw new HttpError(400, `${at}: 'difficult' must be true or false`);
    const pose = typeof o.pose === 'string' && o.pose ? o.pose : 'Unspecified';
    const truncated = o.truncated === 1 ? 1 : 0;
    if (o.nametag !== undefined && (typeof o.nametag !== 'string' || o.nametag.length > 200)) throw new HttpError(400, `${at}: 'nametag' must be the tag's text`);
    return { label: o.label, bbox: [x, y, w, h], difficult: o.difficult === true, pose, truncated, ...(o.nametag ? { nametag: o.nametag } : {}) };
  });
  return { verified: body.verified === true, objects, version: body.version as string | null | undefined };
}

/** One save at a time per file, so that two tabs cannot interleave their check and rename. */
const locks = new Map<string, Promise<unknown>>();

/**
 * Saves labels as the screenshot's VOC file in labelImg's form: written to a temporary file in the same
 * folder, then renamed over (a reader never sees half a file). When `version` is given (the page's) and
 * the file on disk is no longer that version, nothing is written: 409.
 */
export async function saveLabels(root: string, file: string, body: unknown): Promise<{ saved: string; objects: number; version: string }> {
  const p = await screenshotPath(root, file);
  const size = await imageSize(p.image).catch((err: Error) => {
    throw new HttpError(422, err.message);
  });
  const doc = validateLabels(body, size.width, size.height);
  const run = async () => {
    const current = await readIfThere(p.xml);
    if (doc.version !== undefined && versionOf(current) !== doc.version) {
      throw new HttpError(409, `${p.xml} changed on disk since it was opened (${current ? 'edited elsewhere' : 'removed'}); reload it, then save again`);
    }
    let base: VocAnnotation | undefined;
    if (current) {
      try {
        base = parseVoc(current.toString('utf8'), p.xml);
      } catch {
        base = undefined; // a broken file is replaced by the page's labels (the page showed the error)
      }
    }
    const annotation: VocAnnotation = {
      folder: base?.folder ?? path.basename(p.dir),
      filename: base?.filename ?? file,
      path: base?.path ?? p.image,
      source: base?.source ?? { database: 'Unknown' },
      size: { width: size.width, height: size.height, depth: base?.size.depth ?? 3 },
      segmented: base?.segmented ?? 0,
      objects: doc.objects.map((o) => ({
        name: o.label,
        pose: o.pose ?? 'Unspecified',
        truncated: o.truncated ?? 0,
        difficult: o.difficult ? 1 : 0,
        bndbox: { xmin: o.bbox[0], ymin: o.bbox[1], xmax: o.bbox[0] + o.bbox[2], ymax: o.bbox[1] + o.bbox[3] },
        ...(o.nametag ? { nametag: o.nametag } : {}),
      })),
    };
    if (doc.verified) annotation.verified = true;
    const text = formatVoc(annotation);
    const tmp = path.join(p.dir, `.${path.basename(p.xml)}.${randomBytes(4).toString('hex')}.part`);
    try {
      await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx' });
      await rename(tmp, p.xml);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    return { saved: p.xml, objects: annotation.objects.length, version: versionOf(Buffer.from(text, 'utf8'))! };
  };
  const prev = locks.get(p.xml) ?? Promise.resolve();
  const next = prev.then(run, run);
  const settled = next.catch(() => undefined);
  locks.set(p.xml, settled);
  try {
    return await next;
  } finally {
    if (locks.get(p.xml) === settled) locks.delete(p.xml);
  }
}
