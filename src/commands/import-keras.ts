// `toonvision import-keras FILE --task T --out DIR`: a Keras 2 HDF5 model to a model folder.
import type { Command } from 'commander';
import type { ClassifierTask } from '../taxonomy.ts';
import { CLASSIFIER_TASKS } from '../taxonomy.ts';
import { importKeras } from '../model/keras.ts';
import { UsageError, log, printJson } from './common.ts';

export function register(program: Command): void {
  program
    .command('import-keras')
    .description("import a Keras 2 HDF5 model (.h5, or a .keras file that is HDF5, like the article's) as a model folder")
    .argument('<file>', 'Keras 2 HDF5 model file')
    .requiredOption('--task <task>', `classifier task: ${CLASSIFIER_TASKS.join(', ')}`)
    .requiredOption('--out <dir>', 'model folder to write')
    .option('--json', 'print one JSON document describing the imported model')
    .action(async (file: string, opts: { task: string; out: string; json?: boolean }) => {
      if (!(CLASSIFIER_TASKS as readonly string[]).includes(opts.task)) {
        throw new UsageError(`--task '${opts.task}' is not a classifier task (expected one of ${CLASSIFIER_TASKS.join(', ')})`);
      }
      const r = await importKeras(file, opts.task as ClassifierTask, opts.out);
      const skipped = r.layers.filter((l) => l.action === 'skipped');
      const summary = {
        file,
        out: r.out,
        task: r.task,
        classes: r.classes,
        inputShape: r.inputShape,
        params: r.params,
        layers: r.layers.filter((l) => l.action === 'mapped').map((l) => `${l.name} (${l.className})`),
        skipped: skipped.map((l) => `${l.name} (${l.className})`),
      };
      if (opts.json) printJson(summary);
      else {
        log(`imported ${file}: ${summary.layers.length} layers, ${r.params.toLocaleString('en-US')} parameters, input ${r.inputShape.join('x')}`);
        if (skipped.length) log(`skipped (identity at inference): ${summary.skipped.join(', ')}`);
        process.stdout.write(`${r.out}\n`);
      }
    });
}
