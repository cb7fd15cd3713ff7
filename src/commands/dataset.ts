// `toonvision extract | split | stats`: the article's data flow from labelImg screenshots to
// balanced train/validate/test crop sets (src/dataset/).
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { extractScreenshots } from '../dataset/extract.ts';
import { DEFAULT_ROOT } from '../dataset/layout.ts';
import { DEFAULT_RATIO, parseRatio, RatioError, splitDataset } from '../dataset/split.ts';
import { datasetStats, formatStatsTable, writeBalanceChart } from '../dataset/stats.ts';
import { log, printJson, RunError } from './common.ts';

/** A progress reporter on stderr: a bar on a terminal, one line per step otherwise. */
function progressBar(what: string): { update: (done: number, total: number, note?: string) => void; stop: () => void } {
  if (!process.stderr.isTTY) {
    // Off a terminal: a line per step when steps carry a note (screenshots), else about every 10%.
    return {
      update: (done, total, note) => {
        if (note !== undefined || done === total || done % Math.max(1, Math.ceil(total / 10)) === 0) {
          log(`${what} ${done}/${total}${note ? ` ${note}` : ''}`);
        }
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${what} [{bar}] {value}/{total} {note}`, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done, total, note) => {
      if (!started) bar.start(total, 0, { note: '' });
      started = true;
      bar.update(done, { note: note ?? '' });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function ratioOption(value: string) {
  try {
    return parseRatio(value);
  } catch (err) {
    if (err instanceof RatioError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

export function register(program: Command): void {
  program
    .command('extract')
    .description('crop every labelled object of the raw screenshots into unsorted/{cog,toon}/<label>_<index>.png')
    .option('--root <dir>', 'data root', DEFAULT_ROOT)
    .option('--raw <dir>', 'folder of screenshots with their labelImg .xml (default <root>/raw/screenshots)')
    .option('--move', 'move each fully extracted screenshot and its .xml to <root>/raw/processed/')
    .option('--json', 'print the result as one JSON document')
    .addHelpText(
      'after',
      `
A screenshot is extracted whole or not at all: its image must decode (by content, whatever the
extension), its XML must parse, match the image size, use taxonomy labels and hold boxes inside the
image. Each bad file is listed with the reason and stays in place; the others are still processed;
the exit code is 1 if any file failed. Crop indexes continue after the highest existing index of each
label under unsorted/ and data/*/; no existing file is ever overwritten.`,
    )
    .action(async (opts: { root: string; raw?: string; move?: boolean; json?: boolean }) => {
      const bar = progressBar('extract');
      let result;
      try {
        result = await extractScreenshots(opts.root, {
          raw: opts.raw,
          move: opts.move,
          onProgress: (done, total, file, outcome) => bar.update(done, total, `${path.basename(file)}: ${outcome}`),
        });
      } catch (err) {
        throw new RunError((err as Error).message);
      } finally {
        bar.stop();
      }
      if (opts.json) printJson(result);
      else {
        process.stdout.write(
          `extracted ${result.crops} crop(s) from ${result.screenshots} screenshot(s)` +
            `${opts.move ? `, moved ${result.moved} to processed` : ''}\n`,
        );
        for (const [label, n] of Object.entries(result.byLabel).sort()) process.stdout.write(`  ${label}: ${n}\n`);
      }
      for (const e of result.errors) log(`${e.file}: ${e.reason}`);
      if (result.errors.length > 0) {
        throw new RunError(`${result.errors.length} file(s) could not be extracted; first: ${result.errors[0]!.file}: ${result.errors[0]!.reason}`);
      }
    });

  program
    .command('split')
    .description('gather all crops and split them into data/{train,validate,test}, stratified by full label')
    .option('--root <dir>', 'data root', DEFAULT_ROOT)
    .addOption(
      new Option('--ratio <t,v,t>', 'train,validate,test fractions summing to 1 (0,0,1: evaluation-only set)')
        .argParser(ratioOption)
        .default(DEFAULT_RATIO, DEFAULT_RATIO.join(',')),
    )
    .option('--seed <s>', 'seed of the shuffle: the same seed gives the same split (default: a fresh random seed, reported)')
    .option('--json', 'print the result as one JSON document')
    .action(async (opts: { root: string; ratio: [number, number, number]; seed?: string; json?: boolean }) => {
      const bar = progressBar('split');
      let result;
      try {
        result = await splitDataset(opts.root, { ratio: opts.ratio, seed: opts.seed, onProgress: (d, t) => bar.update(d, t) });
      } catch (err) {
        throw new RunError((err as Error).message);
      } finally {
        bar.stop();
      }
      for (const s of result.skipped) log(`skipped ${s.file}: ${s.reason}`);
      if (opts.json) printJson(result);
      else {
        process.stdout.write(
          `split ${result.train + result.validate + result.test} crop(s) (seed ${result.seed}, ratio ${result.ratio.join(',')}): ` +
            `train ${result.train}, validate ${result.validate}, test ${result.test}; ${result.moved} moved\n`,
        );
      }
    });

  program
    .command('stats')
    .description('label balance of the crops: per label, suit, animal and Toon vs Cog, per split; table and chart')
    .option('--root <dir>', 'data root', DEFAULT_ROOT)
    .option('--out <file.png>', 'write the label-balance bar chart (desired and average count marked) to this PNG')
    .option('--json', 'print the counts as one JSON document')
    .action(async (opts: { root: string; out?: string; json?: boolean }) => {
      let stats;
      try {
        stats = await datasetStats(opts.root);
      } catch (err) {
        throw new RunError((err as Error).message);
      }
      if (opts.out) {
        try {
          await writeBalanceChart(stats, opts.out);
        } catch (err) {
          throw new RunError(`${opts.out}: cannot write the chart (${(err as Error).message.split('\n')[0]})`);
        }
        log(`wrote ${opts.out}`);
      }
      for (const s of stats.skipped) log(`skipped ${s.file}: ${s.reason}`);
      if (opts.json) printJson({ ...stats, chart: opts.out ?? null });
      else process.stdout.write(`${formatStatsTable(stats)}\n`);
    });
}
