// `toonvision classify --model DIR [--json] IMAGE[:xmin,ymin,xmax,ymax] ...`: one result per input.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { Box, RgbImage } from '../image.ts';
import { readImage } from '../image.ts';
import type { Classification } from '../model/classify.ts';
import { wholeImage } from '../model/classify.ts';
import { loadClassifier } from '../predict/classifier.ts';
import { RunError, printJson } from './common.ts';

export interface ImageInput {
  /** The argument as given. */
  input: string;
  file: string;
  box?: Box;
}

/**
 * Parses `IMAGE[:xmin,ymin,xmax,ymax]`. A suffix after the last ':' that contains a comma is a box;
 * a path that exists as given is always taken whole. Throws a RunError naming a malformed box.
 */
export function parseImageInput(arg: string): ImageInput {
  const colon = arg.lastIndexOf(':');
  if (colon <= 0 || existsSync(arg)) return { input: arg, file: arg };
  const suffix = arg.slice(colon + 1);
  if (!suffix.includes(',')) return { input: arg, file: arg };
  const file = arg.slice(0, colon);
  const parts = suffix.split(',');
  if (parts.length !== 4 || !parts.every((p) => /^\s*\d+\s*$/.test(p))) {
    throw new RunError(`bad box '${suffix}' in '${arg}': expected xmin,ymin,xmax,ymax as 4 whole numbers`);
  }
  const [xmin, ymin, xmax, ymax] = parts.map(Number) as [number, number, number, number];
  if (xmax <= xmin || ymax <= ymin) {
    throw new RunError(`bad box '${suffix}' in '${arg}': xmax must exceed xmin and ymax must exceed ymin (end exclusive)`);
  }
  return { input: arg, file, box: { xmin, ymin, xmax, ymax } };
}

/** Reads an input's image and checks its box lies inside; errors name the argument. */
export async function loadImageInput(inp: ImageInput, cache?: Map<string, RgbImage>): Promise<{ img: RgbImage; box: Box }> {
  if (!existsSync(inp.file)) throw new RunError(`${inp.file}: image file does not exist`);
  let img = cache?.get(inp.file);
  if (!img) {
    img = await readImage(inp.file);
    cache?.set(inp.file, img);
  }
  const box = inp.box ?? wholeImage(img);
  if (box.xmax > img.width || box.ymax > img.height) {
    throw new RunError(`box ${box.xmin},${box.ymin},${box.xmax},${box.ymax} in '${inp.input}' is outside the ${img.width}x${img.height} image`);
  }
  return { img, box };
}

export function register(program: Command): void {
  program
    .command('classify')
    .description('classify images or boxes of them (IMAGE[:xmin,ymin,xmax,ymax], end exclusive) with a model folder')
    .argument('<images...>', 'image files, each optionally with :xmin,ymin,xmax,ymax')
    .requiredOption('--model <dir>', 'model folder (model.json + weights + metadata.json)')
    .option('--json', 'print one JSON line per input: {"input","label","score","output"}')
    .action(async (images: string[], opts: { model: string; json?: boolean }) => {
      const inputs = images.map(parseImageInput);
      const classifier = await loadClassifier(opts.model);
      try {
        // Decode each image once and classify all its boxes in one batch, then print in argument order.
        const cache = new Map<string, RgbImage>();
        const resolved: { inp: ImageInput; img: RgbImage; box: Box }[] = [];
        for (const inp of inputs) resolved.push({ inp, ...(await loadImageInput(inp, cache)) });
        const byFile = new Map<string, number[]>();
        resolved.forEach((r, i) => byFile.set(r.inp.file, [...(byFile.get(r.inp.file) ?? []), i]));
        const results = new Array<Classification>(resolved.length);
        for (const idx of byFile.values()) {
          const out = await classifier.classify(resolved[idx[0]!]!.img, idx.map((i) => resolved[i]!.box));
          idx.forEach((i, k) => (results[i] = out[k]!));
        }
        resolved.forEach((r, i) => {
          const c = results[i]!;
          if (opts.json) printJson({ input: r.inp.input, label: c.label, score: c.score, output: c.output });
          else process.stdout.write(`${r.inp.input}\t${c.label}\t${c.score.toFixed(4)}\t[${c.output.map((v) => v.toFixed(6)).join(' ')}]\n`);
        });
      } finally {
        classifier.dispose();
      }
    });
}
