// `toonvision predict [--models DIR] [--json] IMAGE[:xmin,ymin,xmax,ymax] ...`: the agent's cascade on files.
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { loadPredictor, predictImage, predictionToVoc } from '../predict/predict.ts';
import { formatVoc } from '../dataset/voc.ts';
import { fineLabel } from '../predict/cascade.ts';
import { describeLabel, parseAnyLabel } from '../taxonomy.ts';
import type { RgbImage } from '../image.ts';
import { loadImageInput, parseImageInput } from './classify.ts';
import { log, printJson, RunError } from './common.ts';

export function register(program: Command): void {
  program
    .command('predict')
    .description("run the agent's cascade (detector, then binary, suit + name or animal) on image files; with a box, classify that box alone")
    .argument('<images...>', 'image files (PNG, JPEG, GIF; any size), each optionally with :xmin,ymin,xmax,ymax (end exclusive)')
    .option('--models <dir>', "the player's models folder; tasks missing there come from the shipped models/demo/", 'models')
    .option('--write-voc', 'pre-label: write <image minus extension>.xml (labelImg VOC) beside each whole image; an existing .xml is never overwritten')
    .option('--json', 'one JSON line per input: {"image","width","height","detections":[{"bbox","label","score","suit"?,"name"?,"animal"?,"fineScore"?}]}')
    .action(async (images: string[], opts: { models: string; json?: boolean; writeVoc?: boolean }) => {
      const inputs = images.map(parseImageInput);
      const pipeline = await loadPredictor(opts.models);
      try {
        if (pipeline.models.empty) throw new RunError(`no models in ${opts.models} or the shipped models/demo/`);
        if (!pipeline.models.detector() && inputs.some((i) => !i.box)) {
          throw new RunError(`no detector model in ${opts.models} or models/demo/: give boxes (IMAGE:xmin,ymin,xmax,ymax) to classify`);
        }
        const cache = new Map<string, RgbImage>();
        for (const inp of inputs) {
          const { img, box } = await loadImageInput(inp, cache);
          const p = await predictImage(pipeline, img, inp.box ? box : undefined);
          if (opts.writeVoc && !inp.box) {
            const xml = inp.file.replace(/\.[^./\\]+$/, '') + '.xml';
            try {
              // 'wx': a label file already there (the player's own, or an earlier pre-label) is never replaced.
              await writeFile(xml, formatVoc(predictionToVoc(inp.file, p)), { flag: 'wx' });
              log(`wrote ${xml} (${p.detections.length} object(s))`);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new RunError(`${xml}: cannot write (${(err as Error).message})`);
              log(`${xml}: already there, left as it is`);
            }
          }
          if (opts.json) printJson({ image: inp.input, ...p });
          else {
            process.stdout.write(`${inp.input}\t${p.width}x${p.height}\t${p.detections.length} detection(s)\n`);
            for (const d of p.detections) process.stdout.write(`  ${d.bbox.map((v) => Math.round(v)).join(',')}\t${describeLabel(parseAnyLabel(fineLabel(d)))} ${Math.round((d.fineScore ?? d.score) * 100)}%\n`);
          }
        }
      } finally {
        await pipeline.models.close();
      }
    });
}
