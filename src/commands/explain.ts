// `toonvision explain --model DIR IMAGE[:box] --out FILE.png [--activations FILE.png] [--json]`:
// Grad-CAM heatmap of the predicted class over the crop, plus the conv layers' activations as a grid.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { initEngine } from '../engine/index.ts';
import { encodePng } from '../image.ts';
import { activationGrid, explainCrop } from '../model/explain.ts';
import { loadModelFolder } from '../model/folder.ts';
import { loadImageInput, parseImageInput } from './classify.ts';
import { UsageError, log, printJson } from './common.ts';

/** `<dir>/<name>-activations.png` beside the heatmap file. */
export function defaultActivationsPath(out: string): string {
  const ext = path.extname(out);
  return path.join(path.dirname(out), `${path.basename(out, ext)}-activations.png`);
}

export function register(program: Command): void {
  program
    .command('explain')
    .description('Grad-CAM heatmap of the predicted class over an image or a box of it, and the conv layers\' activations')
    .argument('<image>', 'image file, optionally with :xmin,ymin,xmax,ymax (end exclusive)')
    .requiredOption('--model <dir>', 'model folder')
    .requiredOption('--out <file.png>', 'heatmap PNG to write (the crop, with the class activation map blended over it)')
    .option('--activations <file.png>', 'activations grid PNG (default: <out name>-activations.png beside --out)')
    .option('--no-activations', 'do not write the activations grid')
    .option('--json', 'print one JSON document: input, label, score, output, layer, heatmap, activations')
    .action(async (image: string, opts: { model: string; out: string; activations?: string | boolean; json?: boolean }) => {
      if (path.extname(opts.out).toLowerCase() !== '.png') throw new UsageError(`--out '${opts.out}' must be a .png file`);
      const inp = parseImageInput(image);
      await initEngine();
      const loaded = await loadModelFolder(opts.model);
      try {
        const { img, box } = await loadImageInput(inp);
        const e = await explainCrop(loaded, img, box);
        await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
        await writeFile(opts.out, await encodePng(e.heatmap));
        let activations: string | null = null;
        if (opts.activations !== false) {
          activations = typeof opts.activations === 'string' ? opts.activations : defaultActivationsPath(opts.out);
          await mkdir(path.dirname(path.resolve(activations)), { recursive: true });
          await writeFile(activations, await activationGrid(loaded, img, box));
        }
        if (e.camMax === 0) log(`note: the class activation map of '${e.explainedClass}' is empty (no positive evidence in layer ${e.layer})`);
        const report = {
          input: inp.input,
          label: e.label,
          score: e.score,
          output: e.output,
          layer: e.layer,
          camShape: e.camShape,
          heatmap: opts.out,
          activations,
        };
        if (opts.json) printJson(report);
        else {
          process.stdout.write(`${inp.input}\t${e.label}\t${e.score.toFixed(4)}\tGrad-CAM on ${e.layer} -> ${opts.out}\n`);
          if (activations) process.stdout.write(`activations -> ${activations}\n`);
        }
      } finally {
        loaded.model.dispose();
      }
    });
}
