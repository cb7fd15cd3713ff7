// `toonvision predict [--models DIR] [--json] IMAGE[:xmin,ymin,xmax,ymax] ...`: the agent's cascade on files.
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { loadPredictor, predictImage, predictionToVoc, type Prediction } from '../predict/predict.ts';
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
    .addHelpText('after', `
Over many files, an input that cannot be read (missing, not an image, a box outside it) is reported on
stderr, one line naming it and the problem; the others are predicted (their lines on stdout) and the
exit code is then 1, as extract does.`)
    .action(async (images: string[], opts: { models: string; json?: boolean; writeVoc?: boolean }) => {
      const pipeline = await loadPredictor(opts.models);
      const failed: string[] = [];
      /** One stderr line naming the input and its problem; the batch goes on. */
      const fail = (input: string, file: string, err: unknown) => {
        const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
        const line = reason.includes(file) ? reason : `${input}: ${reason}`;
        failed.push(line);
        log(`toonvision predict: ${line}`);
      };
      try {
        if (pipeline.models.empty) throw new RunError(`no models in ${opts.models} or the shipped models/demo/`);
        const inputs = images.flatMap((arg) => {
          try {
            return [parseImageInput(arg)];
          } catch (err) {
            fail(arg, arg, err);
            return [];
          }
        });
        if (!pipeline.models.detector() && inputs.some((i) => !i.box)) {
          throw new RunError(`no detector model in ${opts.models} or models/demo/: give boxes (IMAGE:xmin,ymin,xmax,ymax) to classify`);
        }
        const cache = new Map<string, RgbImage>();
        for (const inp of inputs) {
          let p: Prediction;
          try {
            const { img, box } = await loadImageInput(inp, cache);
            p = await predictImage(pipeline, img, inp.box ? box : undefined);
          } catch (err) {
            fail(inp.input, inp.file, err);
            continue;
          }
          if (opts.writeVoc && !inp.box) {
            const xml = inp.file.replace(/\.[^./\\]+$/, '') + '.xml';
            try {
              // 'wx': a label file already there (the player's own, or an earlier pre-label) is never replaced.
              await writeFile(xml, formatVoc(predictionToVoc(inp.file, p)), { flag: 'wx' });
              log(`wrote ${xml} (${p.detections.length} object(s))`);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== 'EEXIST') fail(xml, xml, new Error(`cannot write (${(err as Error).message})`));
              else log(`${xml}: already there, left as it is`);
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
      if (failed.length) throw new RunError(`${failed.length} of ${images.length} input(s) could not be predicted or written (each named above)`);
    });
}
