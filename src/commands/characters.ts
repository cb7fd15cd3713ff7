// `toonvision characters --assets DIR[,DIR...] --out FILE.png`: builds the game's 32 Cogs and a Toon of each
// species from its model files, posed, and draws them on one contact sheet (and writes their GLBs with
// --glb DIR), to look at what the renders are made of and to time the building of one character.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { COG_LABELS, TOON_SPECIES, buildCog, buildToon, listAnimations, openAssets, type PosedCharacter } from '../game/index.ts';
import { contactSheet, previewGlb } from '../game/preview.ts';
import { median } from '../median.ts';
import { RunError, UsageError, log, parseIntOption, printJson } from './common.ts';

interface Opts {
  assets: string;
  out: string;
  kind: string;
  animation?: string;
  frame: number;
  seed: number;
  yaw: number;
  glb?: string;
  only?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('characters')
    .description("build the game's 32 Cogs and a Toon of each species from its model files, posed, and draw them on a contact sheet")
    .requiredOption('--assets <dirs>', "comma-separated folders of the game's files (extracted phase_* folders, or an installation with phase_*.mf)")
    .requiredOption('--out <file>', 'contact sheet to write (.png)')
    .option('--kind <kind>', 'cog, toon or all', 'all')
    .option('--animation <name>', "pose with this animation of the game's (default: neutral)")
    .option('--frame <n>', "the animation's frame", parseIntOption('--frame'), 0)
    .option('--seed <n>', "draws the Cogs' levels and the Toons' looks", parseIntOption('--seed'), 0)
    .option('--yaw <degrees>', 'turn the camera around the characters', parseIntOption('--yaw'), 0)
    .option('--glb <dir>', 'also write each character as <label>.glb in this folder')
    .option('--only <labels>', 'comma-separated labels to build (cog_bb_flunky, toon_dog, ...) instead of all')
    .option('--json', 'print one JSON document: characters built, failures, milliseconds per character')
    .action(async (opts: Opts) => {
      if (!['cog', 'toon', 'all'].includes(opts.kind)) throw new UsageError(`--kind '${opts.kind}' is not one of cog, toon, all`);
      if (!opts.out.endsWith('.png')) throw new UsageError(`--out '${opts.out}' must name a .png file`);
      const assets = await openAssets(opts.assets.split(',').filter(Boolean));
      try {
        const jobs: { label: string; build: () => Promise<PosedCharacter> }[] = [];
        const pose = { animation: opts.animation, frame: opts.frame, seed: opts.seed };
        if (opts.kind !== 'toon') for (const l of COG_LABELS) jobs.push({ label: l, build: () => buildCog(assets, l, pose) });
        if (opts.kind !== 'cog') for (const s of TOON_SPECIES) jobs.push({ label: `toon_${s}`, build: () => buildToon(assets, s, pose) });
        if (opts.only) {
          const only = opts.only.split(',').filter(Boolean);
          const unknown = only.filter((l) => !jobs.some((j) => j.label === l));
          if (unknown.length) throw new UsageError(`--only: ${unknown.join(', ')} not among the ${opts.kind === 'all' ? '' : `${opts.kind} `}labels (cog_<suit>_<name>, toon_<animal>)`);
          jobs.splice(0, jobs.length, ...jobs.filter((j) => only.includes(j.label)));
        }
        if (opts.glb) await mkdir(opts.glb, { recursive: true });
        const tiles: { width: number; height: number; data: Uint8Array; caption: string }[] = [];
        const failed: { label: string; error: string }[] = [];
        const ms: number[] = [];
        for (const job of jobs) {
          const t = performance.now();
          try {
            const c = await job.build();
            ms.push(performance.now() - t);
            if (opts.glb) await writeFile(path.join(opts.glb, `${c.label}.glb`), c.glb);
            const img = await previewGlb(c.glb, { width: 160, height: 240, yaw: opts.yaw });
            const caption = c.nametag ? `${c.nametag.name} (${c.nametag.level})` : `${c.label.replace('toon_', '')} ${c.looks?.head ?? ''}`;
            tiles.push({ ...img, caption });
          } catch (e) {
            failed.push({ label: job.label, error: (e as Error).message });
            log(`${job.label}: ${(e as Error).message}`);
          }
        }
        if (!tiles.length) throw new RunError(`no character could be built from ${opts.assets}`);
        await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
        const tmp = `${opts.out}.tmp-${process.pid}`;
        await writeFile(tmp, await contactSheet(tiles, 8));
        await rename(tmp, opts.out);
        const summary = {
          out: opts.out,
          built: tiles.length,
          failed,
          msPerCharacter: Math.round(median(ms)),
          animations: { cog: await listAnimations(assets, 'cog'), toon: await listAnimations(assets, 'toon') },
        };
        if (opts.json) printJson(summary);
        else {
          log(`${summary.built} characters built (median ${summary.msPerCharacter} ms each), ${failed.length} failed`);
          process.stdout.write(`${opts.out}\n`);
        }
        if (failed.length) process.exitCode = 1;
      } finally {
        await assets.close();
      }
    });
}
