// The game's characters as posed glTF: opens the game's files, builds any of the 32 Cogs or a Toon of any
// of the 11 species by the game's recipes, poses it with one of the game's animations and writes a GLB
// (Y-up, game units, feet at y=0, facing +Z) with its bounds, the top of its head and a Cog's nametag.
// openAssets takes several folders; the first that holds a file wins, so list ToonTown Rewritten's heads
// before the 2013 client to draw Toons with TTR's heads (and deer and crocodiles at all).
import seedrandom from 'seedrandom';
import { AssetSource, openAssets } from './assets.ts';
import { COG_LABELS, DEPT_NAMES, cogAnimations, cogParts } from './cogs.ts';
import { toGltf, writeGlb } from './gltf.ts';
import type { Part } from './scene.ts';
import { TOON_SPECIES, toonAnimations, toonParts } from './toons.ts';

export { AssetSource, openAssets, COG_LABELS, TOON_SPECIES };

export interface PoseOptions {
  /** one of listAnimations(); 'neutral' (standing) by default */
  animation?: string;
  /** the animation's frame; any integer (it wraps around the animation's length); 0 by default */
  frame?: number;
  /** draws a Cog's level and a Toon's looks and clothes; 0 by default */
  seed?: number;
}

export interface PosedCharacter {
  /** taxonomy label: cog_cb_pennypincher, toon_dog */
  label: string;
  /** glTF 2.0 binary, Y-up, game units, feet at y=0, facing +Z */
  glb: Uint8Array;
  bounds: { min: [number, number, number]; max: [number, number, number] };
  /** top of the head (where the game hangs the nametag above) */
  headTop: [number, number, number];
  /** Cogs: what their nametag says (level drawn at random in the Cog's range) */
  nametag?: { name: string; suit: string; level: number };
  /** the game's avatar height for this character (its nametag hangs about 1 unit above) */
  height?: number;
  /** what was drawn at random (Toons: head, torso, legs, colours, clothes) */
  looks?: Record<string, string | number>;
}

function topOf(parts: Part[]): [number, number, number] {
  let top = -Infinity, sx = 0, sz = 0, n = 0;
  for (const p of parts) {
    for (let v = 0; v < p.positions.length; v += 3) {
      const [x, y, z] = toGltf(p.positions[v], p.positions[v + 1], p.positions[v + 2]);
      if (y > top) top = y;
      sx += x; sz += z; n++;
    }
  }
  return n ? [sx / n, top, sz / n] : [0, 0, 0];
}

/** Builds one of the 32 Cogs (a taxonomy label, e.g. cog_cb_pennypincher), posed. */
export async function buildCog(assets: AssetSource, label: string, opts: PoseOptions = {}): Promise<PosedCharacter> {
  const seed = opts.seed ?? 0;
  const cog = await cogParts(assets, label, opts.animation ?? 'neutral', opts.frame ?? 0, seed);
  const nametag = { name: cog.recipe.name, suit: DEPT_NAMES[cog.recipe.suit], level: cog.level };
  const { glb, bounds } = await writeGlb(assets, cog.parts, { name: label, extras: { label, nametag, animation: opts.animation ?? 'neutral', frame: opts.frame ?? 0 } });
  return { label, glb, bounds, headTop: topOf(cog.headParts), nametag, height: cog.recipe.height };
}

/** Builds a Toon of one of the 11 species (bear, cat, ..., or toon_<animal>), posed, its looks drawn from the seed. */
export async function buildToon(assets: AssetSource, animal: string, opts: PoseOptions = {}): Promise<PosedCharacter> {
  const species = animal.replace(/^toon_/, '');
  const rng = seedrandom(`toon:${species}:${opts.seed ?? 0}`);
  const toon = await toonParts(assets, species, opts.animation ?? 'neutral', opts.frame ?? 0, rng);
  const label = `toon_${species}`;
  const { glb, bounds } = await writeGlb(assets, toon.parts, { name: label, extras: { label, looks: toon.looks, animation: opts.animation ?? 'neutral', frame: opts.frame ?? 0 } });
  return { label, glb, bounds, headTop: topOf(toon.headParts), height: toon.height, looks: toon.looks };
}

/** The animations a kind of character can be posed with from these assets. */
export async function listAnimations(assets: AssetSource, kind: 'cog' | 'toon'): Promise<string[]> {
  return kind === 'cog' ? cogAnimations(assets) : toonAnimations(assets);
}
