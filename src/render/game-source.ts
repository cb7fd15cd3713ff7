// The renderer's characters from the game's own files (src/game): every Cog and Toon species those
// files can build. Finding out which can be built means building each once (the asset folders of a
// player's installation, of the 2013 client and of a heads-only pack differ), which also warms the caches.
import { buildCog, buildToon, COG_LABELS, listAnimations, openAssets, TOON_SPECIES, type AssetSource } from '../game/index.ts';
import { ToonVisionError } from '../errors.ts';
import type { CharacterSource, PoseOptions, PosedCharacter } from './characters.ts';

/** The asset folders hold no character the renderer can build; the message says what was tried. */
export class NoCharactersError extends ToonVisionError {
  constructor(message: string) {
    super(message, { code: 'game-assets' });
  }
}

export interface GameCharacters extends CharacterSource {
  assets: AssetSource;
  /** labels that failed to build, with the first line of why */
  unavailable: { label: string; reason: string }[];
  close(): Promise<void>;
}

export async function openGameCharacters(paths: string[], opts: { log?: (line: string) => void } = {}): Promise<GameCharacters> {
  const assets = await openAssets(paths);
  const unavailable: { label: string; reason: string }[] = [];
  const build = (label: string, pose: PoseOptions): Promise<PosedCharacter> =>
    label.startsWith('cog_') ? buildCog(assets, label, pose) : buildToon(assets, label, pose);
  const tryBuild = async (label: string): Promise<boolean> => {
    try {
      await build(label, {});
      return true;
    } catch (err) {
      unavailable.push({ label, reason: (err as Error).message.split('\n')[0]! });
      return false;
    }
  };
  const cogLabels: string[] = [];
  for (const l of COG_LABELS) if (await tryBuild(l)) cogLabels.push(l);
  const toonLabels: string[] = [];
  for (const s of TOON_SPECIES) if (await tryBuild(`toon_${s}`)) toonLabels.push(`toon_${s}`);
  if (!cogLabels.length && !toonLabels.length) {
    await assets.close();
    const why = unavailable[0] ? ` (e.g. ${unavailable[0].label}: ${unavailable[0].reason})` : '';
    throw new NoCharactersError(`${paths.join(', ')}: no Cog or Toon can be built from these asset folders${why}`);
  }
  if (unavailable.length) opts.log?.(`render: ${unavailable.length} characters cannot be built from these assets: ${unavailable.map((u) => u.label).join(', ')}`);
  const animations = { cog: await listAnimations(assets, 'cog'), toon: await listAnimations(assets, 'toon') };
  return {
    assets,
    unavailable,
    cogLabels,
    toonLabels,
    describe: paths.join(', '),
    animations: async (kind) => animations[kind],
    build,
    close: () => assets.close(),
  };
}
