// nametags.tsv: the Cog tags legible in a folder of labelled frames, one a line, as the shared
// fixtures write them: `image:xmin,ymin,xmax,ymax` (the Cog's box, end exclusive, tag outside it),
// the Cog's label, its level (blank: not legible) and the tag's text. Lines starting with '#' are
// comments. With the frames' VOC files it is what `bench nametags` scores against.
import { readFile, writeFile, rename } from 'node:fs/promises';

export interface TagLabel {
  image: string;
  box: { xmin: number; ymin: number; xmax: number; ymax: number };
  label: string;
  level?: number;
  text: string;
}

export class TagLabelError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'TagLabelError';
  }
}

/** Parses nametags.tsv text; errors name the file and line. */
export function parseTagLabels(text: string, file: string): TagLabel[] {
  const out: TagLabel[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const [where, label, level, ...rest] = line.split('\t');
    const m = /^(.+):(\d+),(\d+),(\d+),(\d+)$/.exec(where ?? '');
    if (!m) throw new TagLabelError(file, `line ${i + 1}: expected 'image:xmin,ymin,xmax,ymax' first, got '${where}'`);
    if (!label) throw new TagLabelError(file, `line ${i + 1}: no Cog label`);
    const lv = (level ?? '').trim();
    if (lv !== '' && !/^\d+$/.test(lv)) throw new TagLabelError(file, `line ${i + 1}: level '${lv}' is not a number`);
    out.push({
      image: m[1]!,
      box: { xmin: Number(m[2]), ymin: Number(m[3]), xmax: Number(m[4]), ymax: Number(m[5]) },
      label: label.trim(),
      ...(lv !== '' ? { level: Number(lv) } : {}),
      text: rest.join('\t').trim(),
    });
  });
  return out;
}

export async function readTagLabels(file: string): Promise<TagLabel[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TagLabelError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseTagLabels(text, file);
}

/** Writes nametags.tsv (through a temporary file and a rename). */
export async function writeTagLabels(file: string, labels: readonly TagLabel[]): Promise<void> {
  const head = '# image:box of the Cog (end exclusive, nametag outside the box)\tcog label\tlevel (blank: not legible)\ttag text';
  const lines = labels.map((l) => `${l.image}:${l.box.xmin},${l.box.ymin},${l.box.xmax},${l.box.ymax}\t${l.label}\t${l.level ?? ''}\t${l.text}`);
  const tmp = `${file}.partial-${process.pid}`;
  await writeFile(tmp, `${[head, ...lines].join('\n')}\n`);
  await rename(tmp, file);
}
