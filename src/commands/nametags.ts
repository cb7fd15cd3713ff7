// `toonvision nametags read|render|train`: Cog nametags read from frames, labelled frames of made-up
// tags for measuring, and training the tag reader (contract: ../shared/CLI.md; bench: `bench nametags`).
import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readImage } from '../image.ts';
import { renderTagFrames } from '../nametag/frames.ts';
import { findPlates, locateTag, type Bbox, type FoundPlate } from '../nametag/locate.ts';
import { openTagReader, READERS, type ReaderKind } from '../nametag/read.ts';
import { trainReader } from '../nametag/train.ts';
import { log, parseIntOption, parseNumberOption, parsePositiveInt, printJson, RunError, UsageError } from './common.ts';

/** Where the shared fixtures keep the game's nametag typefaces, when they are beside the project. */
const FONT_DIR = path.join('..', 'shared', 'fixtures', 'game-assets', 'tto-2013', 'phase_3', 'models', 'fonts');
const BACKGROUNDS = path.join('..', 'shared', 'fixtures', 'real-eval', 'screenshots');

function parseBox(value: string, prev: Bbox[] = []): Bbox[] {
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n)) || parts[2]! <= 0 || parts[3]! <= 0) {
    throw new UsageError(`--box must be x,y,w,h with w and h above 0, got '${value}'`);
  }
  return [...prev, parts as Bbox];
}

function parseRange(name: string): (value: string) => [number, number] {
  return (value: string) => {
    const [a, b] = value.split(',').map(Number);
    if (!(a! > 0) || !(b! >= a!)) throw new UsageError(`${name} must be two numbers lo,hi with 0 < lo <= hi, got '${value}'`);
    return [a!, b!];
  };
}

function parseSize(value: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(value);
  if (!m || Number(m[1]) < 32 || Number(m[2]) < 32) throw new UsageError(`--size must be WxH (at least 32x32), got '${value}'`);
  return [Number(m[1]), Number(m[2])];
}

function fontOrDefault(given: string | undefined, file: string, flag: string): string {
  const f = given ?? path.join(FONT_DIR, file);
  if (!existsSync(f)) throw new UsageError(`${flag}: ${f} not found (the game's nametag typeface: give its path)`);
  return f;
}

function readerOption(): Option {
  return new Option('--reader <R>', 'tag reader: model (the project\'s network) or tesseract (tesseract.js, a development dependency)').choices([...READERS]).default('model');
}

export function register(program: Command): void {
  const cmd = program.command('nametags').description('read Cog nametags (name, department, level) from frames; make and learn from made-up tags');

  cmd
    .command('read')
    .description('read the Cog nametags in an image: above each --box, or everywhere in it')
    .argument('<image>', 'a screenshot (PNG, JPEG...)')
    .option('--box <x,y,w,h>', 'a Cog\'s box (tag outside it); repeat for several', (v: string, prev: Bbox[] | undefined) => parseBox(v, prev))
    .addOption(readerOption())
    .option('--models <DIR>', 'models folder: its nametag/ reader, else the shipped one', 'models')
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
JSON: {"image", "reader", "tags": [{"box"?, "text", "name"?, "suit"?, "level"?, "skelecog"?, "v2"?,
"score", "bbox", "cut"?}], "ms"}. A tag scoring below 0.6 is unsure; a part the reader could not read
(cut by the frame's edge, too small) is left out.`)
    .action(async (image: string, opts: { box?: Bbox[]; reader: ReaderKind; models: string; json?: boolean }) => {
      if (!existsSync(image)) throw new RunError(`${image}: no such file`);
      const img = await readImage(image);
      const reader = await openTagReader({ reader: opts.reader, models: opts.models });
      try {
        const t0 = performance.now();
        let plates: (FoundPlate | undefined)[];
        if (opts.box) plates = opts.box.map((b) => locateTag(img, b));
        else plates = findPlates(img);
        const found = plates.filter((p): p is FoundPlate => p !== undefined);
        const reads = await reader.read(img, found);
        const ms = Math.round((performance.now() - t0) * 10) / 10;
        // Given boxes: one entry each. The whole frame: the cards that read as something.
        const tags = plates
          .map((p, i) => ({ ...(opts.box ? { box: opts.box[i] } : {}), ...(p ? reads[found.indexOf(p)]! : { text: '', score: 0 }) }))
          .filter((t) => opts.box || t.text !== '');
        if (opts.json) return printJson({ image, reader: reader.kind, tags, ms });
        for (const t of tags) process.stdout.write(`${'box' in t && t.box ? `${t.box.join(',')}: ` : ''}${t.text || '(no tag seen)'}  score ${t.score}${'bbox' in t && t.bbox ? ` at ${t.bbox.join(',')}` : ''}\n`);
        if (tags.length === 0) process.stdout.write('no Cog nametag seen\n');
      } finally {
        await reader.dispose();
      }
    });

  cmd
    .command('render')
    .description('labelled frames of made-up Cog tags in the game\'s typeface, for `bench nametags --dir`')
    .requiredOption('--out <DIR>', 'folder to write frames, VOC files and nametags.tsv into')
    .option('--font <TTF>', 'the game\'s Cog nametag typeface (vtRemingtonPortable.ttf)')
    .option('--toon-font <TTF>', 'the Toons\' nametag typeface (ImpressBT.ttf)')
    .option('--backgrounds <DIR>', 'screenshots to draw over (besides drawn streets)')
    .option('--count <N>', 'frames', parsePositiveInt('--count'), 20)
    .option('--size <WxH>', 'frame size', parseSize, [1280, 720] as [number, number])
    .option('--em <lo,hi>', 'line pitch of the tags in px (800x600 play: 5,9; 720p and more: 10,22)', parseRange('--em'), [10, 22] as [number, number])
    .option('--seed <S>', 'seed', parseIntOption('--seed'), 1)
    .option('--json', 'print one JSON document')
    .action(async (opts: { out: string; font?: string; toonFont?: string; backgrounds?: string; count: number; size: [number, number]; em: [number, number]; seed: number; json?: boolean }) => {
      const font = fontOrDefault(opts.font, 'vtRemingtonPortable.ttf', '--font');
      const toonFont = opts.toonFont ?? (existsSync(path.join(FONT_DIR, 'ImpressBT.ttf')) ? path.join(FONT_DIR, 'ImpressBT.ttf') : undefined);
      const backgrounds = opts.backgrounds ? [opts.backgrounds] : existsSync(BACKGROUNDS) ? [BACKGROUNDS] : [];
      const r = await renderTagFrames({ font, ...(toonFont ? { toonFont } : {}), backgrounds, out: opts.out, count: opts.count, width: opts.size[0], height: opts.size[1], em: opts.em, seed: opts.seed });
      if (opts.json) return printJson({ out: opts.out, ...r });
      process.stdout.write(`${r.frames} frames, ${r.tags} whole tags and ${r.cut} cut by the frame's edge, in ${opts.out}\n`);
    });

  cmd
    .command('train')
    .description('train the tag reader on made-up tags in the game\'s typeface (about 20 minutes on one core)')
    .option('--font <TTF>', 'the game\'s Cog nametag typeface (vtRemingtonPortable.ttf)')
    .option('--toon-font <TTF>', 'the Toons\' nametag typeface (ImpressBT.ttf), for Toon tags to refuse')
    .option('--backgrounds <DIR>', 'screenshots to draw tags over (besides drawn streets)')
    .option('--out <DIR>', 'the reader\'s folder', path.join('models', 'nametag'))
    .option('--samples <N>', 'training windows', parsePositiveInt('--samples'), 24000)
    .option('--validation <N>', 'validation windows', parsePositiveInt('--validation'), 2000)
    .option('--epochs <N>', 'epochs', parsePositiveInt('--epochs'), 4)
    .option('--seed <S>', 'seed', parseIntOption('--seed'), 1)
    .option('--from <DIR>', 'go on training this reader folder\'s network (new windows: give another --seed)')
    .option('--rate <LR>', 'learning rate (the last epoch takes a quarter of it)', parseNumberOption('--rate'), 1e-3)
    .option('--json', 'print one JSON document')
    .action(async (opts: { font?: string; toonFont?: string; backgrounds?: string; out: string; samples: number; validation: number; epochs: number; seed: number; from?: string; rate: number; json?: boolean }) => {
      const font = fontOrDefault(opts.font, 'vtRemingtonPortable.ttf', '--font');
      const toonFont = opts.toonFont ?? (existsSync(path.join(FONT_DIR, 'ImpressBT.ttf')) ? path.join(FONT_DIR, 'ImpressBT.ttf') : undefined);
      const backgrounds = opts.backgrounds ? [opts.backgrounds] : existsSync(BACKGROUNDS) ? [BACKGROUNDS] : [];
      const r = await trainReader({ font, ...(toonFont ? { toonFont } : {}), backgrounds, out: opts.out, samples: opts.samples, validation: opts.validation, epochs: opts.epochs, batch: 64, seed: opts.seed, em: [4.5, 24], ...(opts.from ? { from: opts.from } : {}), rate: opts.rate, log });
      if (opts.json) return printJson(r);
      process.stdout.write(`reader in ${r.out}: validation all three heads right on ${(r.validation.all * 100).toFixed(1)}% (data ${r.seconds.data.toFixed(0)} s, training ${r.seconds.train.toFixed(0)} s)\n`);
    });
}
