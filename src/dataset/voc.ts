// labelImg Pascal VOC annotations: parsed with fast-xml-parser (validated first), written back in
// the exact form labelImg writes (no XML declaration, tab indentation, fixed element order).
import { readFile, writeFile } from 'node:fs/promises';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Box } from '../image.ts';
import { ToonVisionError } from '../errors.ts';

export interface VocObject {
  name: string;
  pose: string;
  truncated: number;
  difficult: number;
  bndbox: Box;
}

export interface VocAnnotation {
  folder: string;
  filename: string;
  path: string;
  source: { database: string };
  size: { width: number; height: number; depth: number };
  segmented: number;
  objects: VocObject[];
  /** labelImg's `<annotation verified="yes">` (set with the space key); absent when not verified. */
  verified?: boolean;
}

/** A VOC file that cannot be read as a labelImg annotation; the message names the file. */
export class VocError extends ToonVisionError {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`, { code: 'voc' });
  }
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function num(n: number): string {
  return String(n);
}

/** XML text in the form labelImg writes. */
export function formatVoc(a: VocAnnotation): string {
  const t = (depth: number) => '\t'.repeat(depth);
  const el = (depth: number, tag: string, value: string) => `${t(depth)}<${tag}>${escapeXml(value)}</${tag}>`;
  const lines: string[] = [];
  lines.push(a.verified ? '<annotation verified="yes">' : '<annotation>');
  lines.push(el(1, 'folder', a.folder));
  lines.push(el(1, 'filename', a.filename));
  lines.push(el(1, 'path', a.path));
  lines.push(`${t(1)}<source>`, el(2, 'database', a.source.database), `${t(1)}</source>`);
  lines.push(
    `${t(1)}<size>`,
    el(2, 'width', num(a.size.width)),
    el(2, 'height', num(a.size.height)),
    el(2, 'depth', num(a.size.depth)),
    `${t(1)}</size>`,
  );
  lines.push(el(1, 'segmented', num(a.segmented)));
  for (const o of a.objects) {
    lines.push(
      `${t(1)}<object>`,
      el(2, 'name', o.name),
      el(2, 'pose', o.pose),
      el(2, 'truncated', num(o.truncated)),
      el(2, 'difficult', num(o.difficult)),
      `${t(2)}<bndbox>`,
      el(3, 'xmin', num(o.bndbox.xmin)),
      el(3, 'ymin', num(o.bndbox.ymin)),
      el(3, 'xmax', num(o.bndbox.xmax)),
      el(3, 'ymax', num(o.bndbox.ymax)),
      `${t(2)}</bndbox>`,
      `${t(1)}</object>`,
    );
  }
  lines.push('</annotation>');
  return `${lines.join('\n')}\n`;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  isArray: (tagName, jPath) => tagName === 'object' && String(jPath) === 'annotation.object',
});

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The text of a leaf element ('' when empty), undefined when absent. */
function text(node: Node, tag: string, file: string, where: string): string | undefined {
  const v = node[tag];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new VocError(file, `<${where}${tag}> appears ${v.length} times`);
  if (typeof v === 'string') return v;
  if (isNode(v)) {
    const t = v['#text'];
    if (t === undefined && Object.keys(v).every((k) => k.startsWith('@_'))) return '';
    if (typeof t === 'string' && Object.keys(v).every((k) => k === '#text' || k.startsWith('@_'))) return t;
  }
  throw new VocError(file, `<${where}${tag}> should hold text, not elements`);
}

function numberAt(node: Node, tag: string, file: string, where: string, fallback?: number): number {
  const s = text(node, tag, file, where);
  if (s === undefined || s === '') {
    if (fallback !== undefined) return fallback;
    throw new VocError(file, `missing <${where}${tag}>`);
  }
  const n = Number(s);
  if (!Number.isFinite(n)) throw new VocError(file, `<${where}${tag}> is '${s}', not a number`);
  return n;
}

function child(node: Node, tag: string, file: string, where: string): Node | undefined {
  const v = node[tag];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new VocError(file, `<${where}${tag}> appears ${v.length} times`);
  if (!isNode(v)) throw new VocError(file, `<${where}${tag}> should hold elements`);
  return v;
}

/** Parses labelImg VOC XML; throws a VocError naming `file` and the problem. */
export function parseVoc(xml: string, file: string): VocAnnotation {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new VocError(file, `malformed XML at line ${line}, column ${col}: ${msg.replace(/\s+/g, ' ')}`);
  }
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    throw new VocError(file, `malformed XML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isNode(doc) || (!isNode(doc.annotation) && typeof doc.annotation !== 'string')) {
    throw new VocError(file, 'not a Pascal VOC annotation (no <annotation> root element)');
  }
  const root: Node = isNode(doc.annotation) ? doc.annotation : {};
  const size = child(root, 'size', file, 'annotation/');
  if (!size) throw new VocError(file, 'missing <annotation/size>');
  const source = child(root, 'source', file, 'annotation/');
  const rawObjects = root.object === undefined ? [] : (root.object as unknown[]);
  const objects: VocObject[] = rawObjects.map((o, i) => {
    const where = `object[${i + 1}]/`;
    if (!isNode(o)) throw new VocError(file, `<${where.slice(0, -1)}> should hold elements`);
    const name = text(o, 'name', file, where);
    if (name === undefined || name === '') throw new VocError(file, `missing <${where}name>`);
    const box = child(o, 'bndbox', file, where);
    if (!box) throw new VocError(file, `missing <${where}bndbox> of '${name}'`);
    const bw = `${where}bndbox/`;
    return {
      name,
      pose: text(o, 'pose', file, where) ?? 'Unspecified',
      truncated: numberAt(o, 'truncated', file, where, 0),
      difficult: numberAt(o, 'difficult', file, where, 0),
      bndbox: {
        xmin: numberAt(box, 'xmin', file, bw),
        ymin: numberAt(box, 'ymin', file, bw),
        xmax: numberAt(box, 'xmax', file, bw),
        ymax: numberAt(box, 'ymax', file, bw),
      },
    };
  });
  const a: VocAnnotation = {
    folder: text(root, 'folder', file, 'annotation/') ?? '',
    filename: text(root, 'filename', file, 'annotation/') ?? '',
    path: text(root, 'path', file, 'annotation/') ?? '',
    source: { database: (source && text(source, 'database', file, 'annotation/source/')) ?? 'Unknown' },
    size: {
      width: numberAt(size, 'width', file, 'annotation/size/'),
      height: numberAt(size, 'height', file, 'annotation/size/'),
      depth: numberAt(size, 'depth', file, 'annotation/size/', 3),
    },
    segmented: numberAt(root, 'segmented', file, 'annotation/', 0),
    objects,
  };
  if (root['@_verified'] === 'yes') a.verified = true;
  return a;
}

/** Reads and parses a VOC file; any failure (missing file included) is a VocError naming it. */
export async function readVoc(file: string): Promise<VocAnnotation> {
  let xml: string;
  try {
    xml = await readFile(file, 'utf8');
  } catch (err) {
    throw new VocError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseVoc(xml, file);
}

/** Writes a VOC file in labelImg's form. With `overwrite: false` an existing file is an error. */
export async function writeVoc(file: string, a: VocAnnotation, opts: { overwrite?: boolean } = {}): Promise<void> {
  await writeFile(file, formatVoc(a), { encoding: 'utf8', flag: opts.overwrite === false ? 'wx' : 'w' });
}
