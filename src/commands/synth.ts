// `toonvision synth`: synthetic ToonTown street scenes with labelImg VOC annotations.
import type { Command } from 'commander';
import { writeScenes } from '../synth/index.ts';
import { log, parseIntOption, parsePositiveInt, printJson, RunError, UsageError } from './common.ts';

interface SynthOptions {
  out: string;
  count: number;
  seed: number;
  width: number;
  height: number;
  start: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('write N synthetic street scenes DIR/synth_<seed>_<i>.png, each with a labelImg VOC .xml (same seed, same bytes)')
    .requiredOption('--out <DIR>', 'folder for the scenes (created if missing)')
    .requiredOption('--count <N>', 'number of scenes', parsePositiveInt('--count'))
    .option('--seed <S>', 'random seed (a whole number)', parseIntOption('--seed'), 1)
    .option('--width <W>', 'scene width in pixels', parsePositiveInt('--width'), 800)
    .option('--height <H>', 'scene height in pixels', parsePositiveInt('--height'), 600)
    .option('--start <I>', 'index of the first scene', parseIntOption('--start'), 0)
    .option('--json', 'print one JSON document: files, objects per label, timing')
    .action(async (opts: SynthOptions) => {
      if (opts.width < 64 || opts.height < 64) throw new UsageError(`--width/--height must be at least 64, got ${opts.width}x${opts.height}`);
      if (opts.seed < 0) throw new UsageError(`--seed must not be negative, got ${opts.seed}`);
      if (opts.start < 0) throw new UsageError(`--start must not be negative, got ${opts.start}`);
      const t0 = performance.now();
      let written;
      try {
        written = await writeScenes(opts.out, {
          count: opts.count,
          seed: opts.seed,
          width: opts.width,
          height: opts.height,
          start: opts.start,
          onScene: (done, file) => {
            if (!opts.json || process.stderr.isTTY) log(`synth: ${done}/${opts.count} ${file}`);
          },
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code && e.path) throw new RunError(`${e.path}: cannot write (${e.code})`);
        throw new RunError(`${opts.out}: ${(err as Error).message}`);
      }
      const ms = performance.now() - t0;
      const byLabel: Record<string, number> = {};
      let objects = 0;
      for (const w of written) for (const o of w.objects) { byLabel[o.label] = (byLabel[o.label] ?? 0) + 1; objects++; }
      const report = {
        out: opts.out,
        seed: opts.seed,
        count: written.length,
        width: opts.width,
        height: opts.height,
        files: written.map((w) => w.png),
        objects,
        byLabel: Object.fromEntries(Object.entries(byLabel).sort(([a], [b]) => a.localeCompare(b))),
        msPerScene: Math.round((ms / Math.max(1, written.length)) * 10) / 10,
      };
      if (opts.json) printJson(report);
      else log(`synth: wrote ${written.length} scenes with ${objects} objects to ${opts.out} (${report.msPerScene} ms per scene)`);
    });
}
