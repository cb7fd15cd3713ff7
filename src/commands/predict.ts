// `toonvision predict [--models DIR] [--json] IMAGE[:xmin,ymin,xmax,ymax] ...`: the agent's cascade on files.
import type { Command } from 'commander';
import { loadPredictor, predictImage } from '../agent/predict.ts';
import { fineLabel } from '../agent/cascade.ts';
import { describeLabel, parseAnyLabel } from '../taxonomy.ts';
import type { RgbImage } from '../image.ts';
import { loadImageInput, parseImageInput } from './classify.ts';
import { printJson, RunError } from './common.ts';

export function register(program: Command): void {
  program
    .command('predict')
    .description("run the agent's cascade (detector, then binary, suit + name or animal) on image files; with a box, classify that box alone")
    .argument('<images...>', 'image files (PNG, JPEG, GIF; any size), each optionally with :xmin,ymin,xmax,ymax (end exclusive)')
    .option('--models <dir>', "the player's models folder; tasks missing there come from the shipped models/demo/", 'models')
    .option('--json', 'one JSON line per input: {"image","width","height","detections":[{"bbox","label","score","suit"?,"name"?,"animal"?,"fineScore"?}]}')
    .action(async (images: string[], opts: { models: string; json?: boolean }) => {
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
