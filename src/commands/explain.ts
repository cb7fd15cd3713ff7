// `toonvision explain --model DIR IMAGE[:box] --out FILE.png [--activations FILE.png] [--json]`:
// Grad-CAM heatmap of the predicted class over the crop, plus the conv layers' activations as a grid;
// `--filters FILE.png [--layer NAME] [--steps N] [--seed S] [IMAGE[:box]]`: the pattern each conv filter
// responds to most (with an image and no --out, its heatmap goes beside the filters' PNG).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { initEngine } from '../engine/index.ts';
import { encodePng } from '../image.ts';
import { activationGrid, explainCrop } from '../model/explain.ts';
import { loadModelFolder } from '../model/folder.ts';
import type { LoadedModel } from '../model/folder.ts';
import { FILTER_DEFAULTS, filterGrid, filterPatterns } from '../model/filters.ts';
import { loadImageInput, parseImageInput } from './classify.ts';
import type { ImageInput } from './classify.ts';
import { UsageError, log, parseIntOption, parsePositiveInt, printJson } from './common.ts';

interface ExplainOptions {
  model: string;
  out?: string;
  activations?: string | boolean;
  filters?: string;
  layer?: string;
  steps: number;
  seed: number;
  json?: boolean;
}

/** Writes the filters' patterns of `loaded` to opts.filters; returns what the JSON report says of them. */
async function writeFilters(loaded: LoadedModel, opts: ExplainOptions & { filters: string }) {
  const t0 = Date.now();
  const layers = filterPatterns(loaded, { layer: opts.layer, steps: opts.steps, seed: opts.seed });
  await mkdir(path.dirname(path.resolve(opts.filters)), { recursive: true });
  await writeFile(opts.filters, await filterGrid(layers));
  const report = layers.map((l) => ({ layer: l.layer, shape: l.shape, filters: l.patterns.length, neverFired: l.activation.filter((a) => a <= 0).length, activation: l.activation }));
  if (!opts.json) {
    for (const l of report) process.stdout.write(`${l.layer}\t${l.filters} filters${l.neverFired ? ` (${l.neverFired} never fired)` : ''}\n`);
    process.stdout.write(`filters -> ${opts.filters} (${opts.steps} steps, seed ${opts.seed}, ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  return report;
}

/** With --filters and an image but no --out: `<dir>/<filters name>-heatmap.png` beside the filters' PNG. */
export function defaultHeatmapPath(filters: string): string {
  const ext = path.extname(filters);
  return path.join(path.dirname(filters), `${path.basename(filters, ext)}-heatmap.png`);
}

/** `<dir>/<name>-activations.png` beside the heatmap file. */
export function defaultActivationsPath(out: string): string {
  const ext = path.extname(out);
  return path.join(path.dirname(out), `${path.basename(out, ext)}-activations.png`);
}

export function register(program: Command): void {
  program
    .command('explain')
    .description('Grad-CAM heatmap of the predicted class over an image or a box of it, and the conv layers\' activations')
    .argument('[image]', 'image file, optionally with :xmin,ymin,xmax,ymax (end exclusive); optional with --filters')
    .requiredOption('--model <dir>', 'model folder')
    .option('--out <file.png>', 'heatmap PNG to write (the crop, with the class activation map blended over it); needed with an image unless --filters is given (then <filters name>-heatmap.png beside it)')
    .option('--activations <file.png>', 'activations grid PNG (default: <out name>-activations.png beside --out)')
    .option('--no-activations', 'do not write the activations grid')
    .option('--filters <file.png>', "PNG of every conv filter's preferred input pattern, one grid per conv layer")
    .option('--layer <name>', 'with --filters: only this conv layer')
    .option('--steps <n>', 'with --filters: gradient-ascent steps', parsePositiveInt('--steps'), FILTER_DEFAULTS.steps)
    .option('--seed <s>', "with --filters: seed of the noisy grey start (the same seed draws the same patterns)", parseIntOption('--seed'), FILTER_DEFAULTS.seed)
    .option('--json', 'print one JSON document: input, label, score, output, layer, heatmap, activations (with --filters: filters, filterLayers)')
    .addHelpText('after', `
--filters: for each filter of each conv layer, the input that excites it most, found by gradient
ascent on the model's input from one noisy grey image (Chollet's "visualizing convnet filters"):
--steps steps of 5 input units a pixel along the gradient of the filter's mean activation, scaled to
a root mean square of 1. Each pattern is normalised for display on its own (mean grey, 64 levels a
standard deviation). A filter whose activation stays 0 from the start (it never fires on grey) keeps
the noise: it is drawn flat grey and counted as 'never fired' in the layer's title. Without an image
only the filters' PNG is written; with an image, the heatmap (and activations) too: into --out, or
without it into <filters name>-heatmap.png (and <filters name>-heatmap-activations.png) beside the
filters' PNG.`)
    .action(async (image: string | undefined, opts: ExplainOptions) => {
      for (const [flag, file] of [['--out', opts.out], ['--filters', opts.filters]] as const) {
        if (file !== undefined && path.extname(file).toLowerCase() !== '.png') throw new UsageError(`${flag} '${file}' must be a .png file`);
      }
      if (opts.filters === undefined && opts.layer !== undefined) throw new UsageError('--layer goes with --filters');
      if (image === undefined && opts.filters === undefined) throw new UsageError('explain needs an image (with --out) or --filters FILE.png');
      if (image !== undefined && opts.out === undefined && opts.filters === undefined) throw new UsageError(`explain ${image}: --out FILE.png is needed for the heatmap (or --filters FILE.png, which puts it beside the filters)`);
      const inp = image === undefined ? undefined : parseImageInput(image);
      await initEngine();
      const loaded = await loadModelFolder(opts.model);
      try {
        const filterLayers = opts.filters !== undefined ? await writeFilters(loaded, { ...opts, filters: opts.filters }) : undefined;
        if (inp === undefined) {
          if (opts.json) printJson({ model: opts.model, filters: opts.filters, filterLayers });
          return;
        }
        await explainImage(loaded, inp, { ...opts, out: opts.out ?? defaultHeatmapPath(opts.filters!) }, filterLayers);
      } finally {
        loaded.model.dispose();
      }
    });
}

/** Grad-CAM of one image (or box) into opts.out, with the activations grid. */
async function explainImage(loaded: LoadedModel, inp: ImageInput, opts: ExplainOptions & { out: string }, filterLayers?: unknown): Promise<void> {
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
    ...(filterLayers ? { filters: opts.filters, filterLayers } : {}),
  };
  if (opts.json) printJson(report);
  else {
    process.stdout.write(`${inp.input}\t${e.label}\t${e.score.toFixed(4)}\tGrad-CAM on ${e.layer} -> ${opts.out}\n`);
    if (activations) process.stdout.write(`activations -> ${activations}\n`);
  }
}
