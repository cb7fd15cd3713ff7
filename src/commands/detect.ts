// `toonvision detect --model DIR IMAGE [--json] [--out annotated.png]`: Toons and Cogs in a frame.
// `toonvision detect --model DIR --eval DIR_OF_SCENES [--json]`: mAP@0.5 and ms per frame on VOC scenes.
import { isNanodetMetadata } from '../detect/pretrained.ts';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import sharp from 'sharp';
import type { RgbImage } from '../image.ts';
import { escapeXml, readImage } from '../image.ts';
import { evaluateDetector, loadDetector, loadScenes, roundDetection, type Detection } from '../detect/index.ts';
import { log, parseIntOption, parseNumberOption, parsePositiveInt, printJson, RunError, UsageError } from './common.ts';

const COLOURS: Record<string, string> = { cog: '#ff3b30', toon: '#34c759' };

/** The frame with each detection drawn as a box and a `label score` tag (SVG overlay composited by sharp). */
export async function annotate(img: RgbImage, detections: readonly Detection[]): Promise<Buffer> {
  const font = Math.max(11, Math.round(img.height / 40));
  const parts = detections.map((d) => {
    const [x, y, w, h] = d.bbox.map((v) => Math.round(v * 10) / 10) as [number, number, number, number];
    const colour = COLOURS[d.label] ?? '#ffcc00';
    const text = `${d.label} ${d.score.toFixed(2)}`;
    const ty = y - font - 4 >= 0 ? y - font - 4 : y;
    const tw = Math.round(text.length * font * 0.62 + 6);
    return (
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="2"/>` +
      `<rect x="${x}" y="${ty}" width="${tw}" height="${font + 4}" fill="${colour}"/>` +
      `<text x="${x + 3}" y="${ty + font}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${font}" fill="#ffffff">${escapeXml(text)}</text>`
    );
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height}">${parts.join('')}</svg>`;
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}

interface DetectOptions {
  model: string;
  json?: boolean;
  out?: string;
  threshold?: number;
  eval?: string;
  limit?: number;
  repeat?: number;
}

export function register(program: Command): void {
  program
    .command('detect')
    .description('find Toons and Cogs in a screenshot with a detector model folder (or measure mAP@0.5 with --eval)')
    .argument('[image]', 'screenshot (PNG or JPEG, decoded by content)')
    .requiredOption('--model <dir>', 'detector model folder (model.json + weights.bin + metadata.json, task detector)')
    .option('--json', 'print one JSON document: {"width","height","detections":[{"bbox":[x,y,w,h],"label","score"}]}')
    .option('--out <file>', 'write the image with the boxes drawn (PNG)')
    .option('--threshold <t>', 'minimum score (default: the model metadata, 0.3)', parseNumberOption('--threshold'))
    .option('--eval <dir>', 'evaluate on a folder of screenshots with VOC .xml beside each: mAP@0.5 per class, ms per frame')
    .option('--limit <n>', 'with --eval: at most this many scenes', parsePositiveInt('--limit'))
    .option('--repeat <n>', 'run detection n times on the image and report the mean time (benchmark)', parsePositiveInt('--repeat'))
    .action(async (image: string | undefined, opts: DetectOptions) => {
      if (!image && !opts.eval) throw new UsageError('detect: give an IMAGE, or --eval DIR_OF_SCENES');
      if (image && opts.eval) throw new UsageError('detect: give either an IMAGE or --eval DIR, not both');
      if (opts.threshold !== undefined && (opts.threshold < 0 || opts.threshold > 1)) {
        throw new UsageError(`--threshold must be between 0 and 1, got ${opts.threshold}`);
      }
      if (!existsSync(opts.model)) throw new RunError(`${opts.model}: model folder does not exist`);
      if (image && !existsSync(image)) throw new RunError(`${image}: image file does not exist`);
      if (opts.eval && !existsSync(opts.eval)) throw new RunError(`${opts.eval}: scene folder does not exist`);
      const detector = await loadDetector(opts.model);
      try {
        if (opts.eval) {
          const rep = await loadScenes([opts.eval], { limit: opts.limit });
          if (rep.scenes.length === 0) {
            throw new RunError(`${opts.eval}: no screenshots with a VOC .xml beside them${rep.errors.length ? ` (${rep.errors[0]!.file}: ${rep.errors[0]!.reason})` : ''}`);
          }
          const res = await evaluateDetector(detector, rep.scenes, opts.threshold !== undefined ? { threshold: opts.threshold } : {});
          const out = { model: opts.model, dir: opts.eval, ...res, skipped: rep.errors };
          if (opts.json) printJson(out);
          else {
            log(`mAP@0.5 ${res.mAP50.toFixed(4)} on ${res.scenes} scenes (${res.objects} objects), ${res.msPerFrame.toFixed(1)} ms per frame (${res.backend})`);
            for (const [cls, c] of Object.entries(res.perClass)) {
              process.stdout.write(`${cls.padEnd(5)} AP ${c.ap === null ? '  n/a ' : c.ap.toFixed(4)}  gt ${c.gt}  precision ${c.precision.toFixed(3)}  recall ${c.recall.toFixed(3)}\n`);
            }
            process.stdout.write(`any   AP ${res.any.ap === null ? '  n/a ' : res.any.ap.toFixed(4)}  gt ${res.any.gt}  precision ${res.any.precision.toFixed(3)}  recall ${res.any.recall.toFixed(3)} (class-agnostic)\n`);
            process.stdout.write(`mAP50 ${res.mAP50.toFixed(4)}\n`);
            if (isNanodetMetadata(detector.metadata)) log('a pretrained detector does not tell Cogs from Toons (every box is labelled cog): its figure is the class-agnostic one; toonvision predict and bench real relabel with the binary model');
          }
          return;
        }
        const img = await readImage(image!);
        const decode = opts.threshold !== undefined ? { threshold: opts.threshold } : undefined;
        let detections = await detector.detect(img, decode);
        let ms: number | undefined;
        let cpuMs: number | undefined;
        if (opts.repeat) {
          // Wall time, and this process's CPU time per frame (what a frame costs on a machine
          // whose cores are busy with other work too).
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          for (let i = 0; i < opts.repeat; i++) detections = await detector.detect(img, decode);
          ms = (performance.now() - t0) / opts.repeat;
          const c = process.cpuUsage(c0);
          cpuMs = (c.user + c.system) / 1000 / opts.repeat;
        }
        const rounded = detections.map(roundDetection);
        if (opts.out) {
          try {
            await writeFile(opts.out, await annotate(img, rounded));
          } catch (err) {
            throw new RunError(`${opts.out}: cannot write the annotated image (${(err as Error).message.split('\n')[0]})`);
          }
        }
        const result = { width: img.width, height: img.height, detections: rounded, ...(ms !== undefined ? { msPerFrame: ms, cpuMsPerFrame: cpuMs } : {}) };
        if (opts.json) printJson(result);
        else {
          process.stdout.write(`${image}: ${img.width}x${img.height}, ${rounded.length} detections${ms !== undefined ? `, ${ms.toFixed(1)} ms per frame (${cpuMs!.toFixed(1)} ms CPU)` : ''}\n`);
          for (const d of rounded) process.stdout.write(`  ${d.label.padEnd(5)} ${d.score.toFixed(3)}  [${d.bbox.join(', ')}]\n`);
          if (opts.out) process.stdout.write(`wrote ${opts.out}\n`);
        }
      } finally {
        detector.dispose();
      }
    });

  program
    .command('rescore')
    .description("fit the pretrained detector's rescorer (which of its 80 COCO scores mean a ToonTown character) on labelled screenshots, cross-validated; writes a new detector folder")
    .requiredOption('--screens <dirs>', 'comma-separated folders of screenshots with a VOC .xml beside each', (v: string) => v.split(',').filter(Boolean))
    .requiredOption('--out <dir>', 'the detector folder to write (may be --detector itself: replaced atomically)')
    .option('--detector <dir>', 'the pretrained (NanoDet) detector folder', 'models/demo/detector')
    .option('--folds <k>', 'cross-validation folds', parsePositiveInt('--folds'), 5)
    .option('--seed <s>', 'seed of the folds and the copy-paste composites', parsePositiveInt('--seed'), 1)
    .option('--prior', "learn in addition to the --detector folder's rescorer, as retrain does: fit on the union of the cells it was fitted on (its rescore-base.json) and these screenshots; without that file, pull the new weights towards its rescorer")
    .option('--copy-paste <n>', 'composites per screenshot with characters of the others pasted in (0: none)', parseIntOption('--copy-paste'), 5)
    .option('--json', 'print one JSON document: {"detector","out","screenshots","folds","currentAnyAP50","zeroShotAnyAP50","crossValidatedAnyAP50","fittedAnyAP50","threshold","precision","recall","rescorer"}')
    .action(async (opts: { screens: string[]; out: string; detector: string; folds: number; seed: number; copyPaste: number; prior?: boolean; json?: boolean }) => {
      if (!existsSync(opts.detector)) throw new RunError(`${opts.detector}: model folder does not exist`);
      for (const d of opts.screens) if (!existsSync(d)) throw new RunError(`${d}: screenshot folder does not exist`);
      const { measureRescorer, writeRescoredFolder, isRescorable } = await import('../train/rescorer-task.ts');
      if (!(await isRescorable(opts.detector))) throw new RunError(`${opts.detector}: not a pretrained NanoDet detector folder (metadata.json detector.kind 'nanodet'); only those take a rescorer`);
      const rep = await loadScenes(opts.screens);
      if (rep.errors.length) throw new RunError(`${rep.errors[0]!.file}: ${rep.errors[0]!.reason}`);
      if (rep.scenes.length < 2) throw new RunError(`${opts.screens.join(', ')}: ${rep.scenes.length} labelled screenshot(s); a rescorer needs at least 2 to cross-validate (5 or more to be worth it)`);
      if (!opts.json) log(`fitting a rescorer on ${rep.scenes.length} labelled screenshots (${opts.folds}-fold cross-validation)`);
      const m = await measureRescorer(opts.detector, rep.scenes, { folds: opts.folds, seed: opts.seed, copyPaste: opts.copyPaste, prior: opts.prior, log: opts.json ? undefined : log });
      await writeRescoredFolder(opts.detector, opts.out, m.rescorer, m.threshold, { source: opts.screens.join(','), crossValidatedAnyAP50: m.crossValidatedAnyAP50, folds: m.folds }, m.summary);
      const out = { detector: opts.detector, out: opts.out, screenshots: m.screenshots, folds: m.folds, currentAnyAP50: m.currentAnyAP50, zeroShotAnyAP50: m.zeroShotAnyAP50, crossValidatedAnyAP50: m.crossValidatedAnyAP50, fittedAnyAP50: m.fittedAnyAP50, threshold: m.threshold, precision: m.precision, recall: m.recall, rescorer: m.rescorer };
      if (opts.json) printJson(out);
      else {
        process.stdout.write(`any-character AP@0.5 on these screenshots: ${opts.detector} ${m.currentAnyAP50.toFixed(3)}; rescored, cross-validated ${m.crossValidatedAnyAP50.toFixed(3)} (fitted on all: ${m.fittedAnyAP50.toFixed(3)})\n`);
        process.stdout.write(`boxes drawn from score ${m.threshold} (best F1, cross-validated: precision ${m.precision.toFixed(2)}, recall ${m.recall.toFixed(2)})\n`);
        process.stdout.write(`wrote ${opts.out}\n`);
      }
    });
}
