// `toonvision capture [--window TITLE] [--root R]`: the capture hotkey's action, once, from the shell:
// the game window's frame at full resolution into <root>/raw/screenshots/ with a pre-filled VOC file.
import type { Command } from 'commander';
import { initEngine, initInference } from '../engine/index.ts';
import { Pipeline } from '../predict/pipeline.ts';
import { ModelSet } from '../predict/models.ts';
import { saveCapture } from '../agent/screenshot.ts';
import { createSource, captureMethod } from '../capture/index.ts';
import { parseSource } from './agent.ts';
import { log, printJson, RunError } from './common.ts';

export function register(program: Command): void {
  program
    .command('capture')
    .description('save the game window as a training screenshot with VOC labels pre-filled from the current models')
    .option('--window <TITLE>', 'window title to look for (any title containing it, case-insensitive)', 'Toontown')
    .option('--root <R>', 'captures root', 'captures')
    .option('--source <S>', 'window | screen | demo | folder:DIR', parseSource, 'window')
    .option('--models <DIR>', 'models folder (tasks not found there come from models/demo/)', 'models')
    .option('--json', 'print one JSON document')
    .action(async (opts: { window: string; root: string; source: string; models: string; json?: boolean }) => {
      await initEngine();
      await initInference();
      const source = await createSource(opts.source, { title: opts.window });
      const g = await source.grab();
      if (!g.frame) {
        const how = captureMethod();
        throw new RunError(`nothing captured: ${g.waiting}${how.method === 'none' ? ` (${how.reason})` : ''}`);
      }
      const models = new ModelSet({ dir: opts.models, watch: false, onMessage: (m) => log(m) });
      await models.loadAll();
      try {
        const p = await new Pipeline(models).process(g.frame);
        const saved = await saveCapture(opts.root, p.frame.image, p.detections);
        if (opts.json) printJson({ file: saved.file, xml: saved.xml, width: saved.width, height: saved.height, objects: saved.objects });
        else process.stdout.write(`${saved.file}\n${saved.xml}\n`);
        log(`saved ${saved.width}x${saved.height} screenshot with ${saved.objects.length} pre-labelled object(s)`);
      } finally {
        await models.close();
        source.close();
      }
    });
}
