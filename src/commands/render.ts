// `toonvision render`: scenes drawn from the game's own 3D characters (contract: ../shared/CLI.md,
// "Renders of the game's own characters"), a labelImg VOC beside each image.
import { existsSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { ToonVisionError } from '../errors.ts';
import { ChromiumMissingError } from '../render/browser.ts';
import { cachedSource } from '../render/characters.ts';
import { NoCharactersError, openGameCharacters } from '../render/game-source.ts';
import { PropSource } from '../render/props.ts';
import { renderScenes, type ImageFormat } from '../render/scenes.ts';
import { log, parseIntOption, parsePositiveInt, printJson, RunError, UsageError } from './common.ts';

interface RenderCommandOptions {
  assets: string;
  out: string;
  count: number;
  seed: number;
  width: number;
  height: number;
  format: ImageFormat;
  backgrounds?: string;
  chromium?: string;
  json?: boolean;
}

const list = (s: string) => s.split(',').map((p) => p.trim()).filter(Boolean);

export function register(program: Command): void {
  program
    .command('render')
    .description("render N scenes of the game's own Cogs and Toons (three.js in headless Chromium) as DIR/render_<seed>_<i>.<jpg|png>, each with a labelImg VOC .xml")
    .requiredOption('--assets <DIR[,DIR...]>', "the game's files: extracted asset folders (phase_* folders) or an installation's phase_*.mf Multifiles")
    .requiredOption('--out <DIR>', 'folder for the scenes (created if missing; scenes already there are kept and the numbering continues)')
    .option('--count <N>', 'number of new scenes', parsePositiveInt('--count'), 100)
    .option('--seed <S>', 'random seed (a whole number): the same seed gives the same scenes', parseIntOption('--seed'), 1)
    .option('--width <W>', 'image width in pixels', parsePositiveInt('--width'), 800)
    .option('--height <H>', 'image height in pixels', parsePositiveInt('--height'), 600)
    .addOption(new Option('--format <F>', 'image format (the game saves its screenshots as JPEG)').choices(['jpg', 'png']).default('jpg'))
    .option('--backgrounds <DIR[,DIR...]>', "real ToonTown screenshots, each with its VOC .xml, whose regions without characters serve as backdrops (else only sets built of the game's textures)")
    .option('--chromium <PATH>', 'the Chromium executable (default: $TOONVISION_CHROMIUM, else the usual install places)')
    .option('--json', 'print one JSON document: {"scenes", "objects", "byLabel", "secondsPerScene", ...}')
    .addHelpText('after', `
Each scene: 1-6 Cogs and Toons posed with the game's animations, seen by the game's third-person camera
(from half the frame high down to 30-40 px in 600), from any side, overlapping, under day, dusk, night or
indoor light, with the game's nametags. Boxes are the characters' projected vertices, head (or hat) to
feet, clipped to the frame; nametags are left out. <difficult>1</difficult>: less than half of the
character seen (behind others or the set, or out of the frame) or a box under 16 px high. Scene i of a seed is the
same in every run: a run adds --count scenes after the last one of that seed in --out, and an
interrupted scene (image without .xml) is finished first. Needs Chromium (software WebGL).`)
    .action(async (opts: RenderCommandOptions) => {
      if (opts.width < 64 || opts.height < 64) throw new UsageError(`--width/--height must be at least 64, got ${opts.width}x${opts.height}`);
      if (opts.width > 8192 || opts.height > 8192) throw new UsageError(`--width/--height must be at most 8192, got ${opts.width}x${opts.height}`);
      if (opts.seed < 0) throw new UsageError(`--seed must not be negative, got ${opts.seed}`);
      const assets = list(opts.assets);
      if (!assets.length) throw new UsageError('--assets names no folder');
      for (const a of assets) {
        if (!existsSync(a)) throw new RunError(`${a}: no such asset folder`);
      }
      const backgrounds = opts.backgrounds ? list(opts.backgrounds) : [];
      for (const b of backgrounds) if (!existsSync(b)) throw new RunError(`${b}: no such backgrounds folder or file`);
      if (existsSync(opts.out) && !statSync(opts.out).isDirectory()) throw new RunError(`${opts.out}: not a folder`);

      let source;
      try {
        source = await openGameCharacters(assets, { log });
      } catch (err) {
        if (err instanceof NoCharactersError) throw new RunError(err.message);
        if (err instanceof ToonVisionError) throw err;
        throw new RunError(`${assets.join(', ')}: ${(err as Error).message.split('\n')[0]}`);
      }
      const tty = Boolean(process.stderr.isTTY);
      const bar = tty ? new cliProgress.SingleBar({ format: 'render [{bar}] {value}/{total} scenes | {file}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
      let started = false;
      let result;
      try {
        result = await renderScenes({
          out: opts.out,
          count: opts.count,
          seed: opts.seed,
          width: opts.width,
          height: opts.height,
          format: opts.format,
          assets,
          source: cachedSource(source),
          props: new PropSource(source.assets),
          backgrounds,
          ...(opts.chromium ? { chromium: opts.chromium } : {}),
          log: (l) => (bar && started ? bar.updateETA() : log(l)),
          onScene: (done, total, file) => {
            if (bar) {
              if (!started) bar.start(total, 0, { file: '' });
              started = true;
              bar.update(done, { file: file.split(/[\\/]/).pop() });
            } else if (!opts.json || done === total || done % 10 === 0) log(`render: ${done}/${total} ${file}`);
          },
        });
      } catch (err) {
        if (err instanceof ChromiumMissingError) throw new RunError(err.message);
        const e = err as NodeJS.ErrnoException;
        if (e.code && e.path) throw new RunError(`${e.path}: cannot write (${e.code})`);
        throw err;
      } finally {
        bar?.stop();
        await source.close();
      }
      const byLabel: Record<string, number> = {};
      let objects = 0;
      let difficult = 0;
      for (const s of result.scenes) {
        for (const o of s.objects) {
          byLabel[o.name] = (byLabel[o.name] ?? 0) + 1;
          objects++;
          difficult += o.difficult;
        }
      }
      const report = {
        scenes: result.scenes.length,
        objects,
        byLabel: Object.fromEntries(Object.entries(byLabel).sort(([a], [b]) => a.localeCompare(b))),
        secondsPerScene: Math.round(result.secondsPerScene * 1000) / 1000,
        difficult,
        out: opts.out,
        seed: opts.seed,
        width: opts.width,
        height: opts.height,
        format: opts.format,
        first: result.scenes[0]?.index ?? null,
        last: result.scenes.at(-1)?.index ?? null,
        existing: result.existing,
        renderer: result.renderer,
        unavailable: source.unavailable.map((u) => u.label),
      };
      if (opts.json) printJson(report);
      else log(`render: wrote ${report.scenes} scenes (${objects} characters, ${difficult} difficult) to ${opts.out}, ${report.secondsPerScene} s per scene`);
    });
}
