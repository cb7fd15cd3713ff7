// Nametags as the game draws them above its characters: a Cog's is a light grey rounded plate with three
// dark typewriter lines ("Penny Pincher / Cashbot / Level 3", in vtRemingtonPortable); a Toon's is its
// name in colour (ImpressBT) on a fainter plate, or bare. Sizes follow real screenshots: a 40 px Cog in an
// 800x600 frame has lines about 9 px high, a 330 px one about 14 px (line ~ height^0.21).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Rng } from '../synth/rng.ts';
import { COG_DISPLAY_NAMES, COGS_BY_SUIT, SUIT_NAMES, type Suit } from '../taxonomy.ts';
import type { NametagPlan } from './plan.ts';

export const COG_FONT = 'vtRemingtonPortable';
export const TOON_FONT = 'ImpressBT';
const FONT_FILES: Record<string, string> = {
  [COG_FONT]: 'phase_3/models/fonts/vtRemingtonPortable.ttf',
  [TOON_FONT]: 'phase_3/models/fonts/ImpressBT.ttf',
};

/** The game's nametag typefaces found in the asset folders (family -> file); missing ones fall back. */
export function findFonts(assetDirs: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const [family, rel] of Object.entries(FONT_FILES)) {
    for (const dir of assetDirs) {
      const f = path.join(dir, rel);
      if (existsSync(f)) {
        found.set(family, f);
        break;
      }
    }
  }
  return found;
}

/** A Cog's three lines: its name, department, and a level its tier can have (tier .. tier + 4). */
export function cogNametagLines(label: string, rng: Rng): string[] {
  const [, suit, name] = label.split('_') as [string, Suit, string];
  const tier = COGS_BY_SUIT[suit].indexOf(name) + 1;
  const level = rng.int(Math.max(1, tier), tier + 4);
  return [COG_DISPLAY_NAMES[name] ?? name, SUIT_NAMES[suit], `Level ${level}`];
}

// Toon names are built the way the game's name picker builds them: an optional title, a first name, and
// a last name made of a prefix and a suffix. Short lists written for this project.
const TITLES = ['', '', '', 'Captain', 'Doctor', 'Lady', 'Little', 'Lucky', 'Master', 'Princess', 'Sir', 'Super', 'Good ol\''];
const FIRST = ['Bizzy', 'Bonkers', 'Buster', 'Chipper', 'Daffy', 'Dizzy', 'Dottie', 'Flapjack', 'Fuzzy', 'Giggles', 'Goopy', 'Jazzy',
  'Jellybean', 'Kooky', 'Lollipop', 'Max', 'Nutty', 'Peppy', 'Pickles', 'Ricky', 'Skippy', 'Sparky', 'Sunny', 'Taffy', 'Twinkle', 'Wacky', 'Ziggy'];
const PREFIX = ['Bumble', 'Crazy', 'Doodle', 'Fizzle', 'Flippen', 'Fluffen', 'Giggle', 'Jingle', 'Mac', 'Mc', 'Noodle', 'Puddle', 'Razzle',
  'Snicker', 'Sour', 'Sticky', 'Super', 'Twiddle', 'Wiggle', 'Zippen'];
const SUFFIX = ['bee', 'berry', 'bocker', 'bonk', 'bottom', 'burger', 'chomp', 'flap', 'fuddle', 'hopper', 'loop', 'nose', 'pants', 'seed',
  'snout', 'socks', 'sparkles', 'swirl', 'toes', 'wig'];

export function toonName(rng: Rng): string[] {
  const title = rng.pick(TITLES);
  const first = rng.pick(FIRST);
  const last = rng.chance(0.7) ? `${rng.pick(PREFIX)}${rng.pick(SUFFIX)}` : '';
  const full = [title, first, last].filter(Boolean).join(' ');
  // long names wrap onto two lines, as the game wraps them
  if (full.length > 16 && last) return [[title, first].filter(Boolean).join(' '), last];
  return [full];
}

/** Text colours of Toons' names (players' blue most of the time). */
const TOON_COLOURS: [number, number, number][] = [
  [51, 77, 204], [51, 77, 204], [51, 77, 204], [40, 60, 170], [0, 110, 40], [150, 40, 140], [200, 90, 0],
];

/** A Cog's nametag; `said` is what the game's builder says it reads (name, department, level), when it says. */
export function cogNametag(label: string, rng: Rng, hasFont: boolean, said?: { name: string; suit: string; level: number }): NametagPlan {
  const grey = rng.int(196, 214);
  const lines = cogNametagLines(label, rng);
  return {
    lines: said ? [said.name, said.suit, `Level ${said.level}`] : lines,
    family: hasFont ? COG_FONT : 'monospace',
    fallback: 'monospace',
    colour: [20, 20, 20],
    plate: [grey, grey, grey, rng.range(0.72, 0.85)],
    linePxPerHeight: 0.0265 * rng.range(0.9, 1.1),
    exponent: 0.21,
    minLinePx: 6,
    lift: rng.range(0.4, 0.9),
  };
}

export function toonNametag(rng: Rng, hasFont: boolean): NametagPlan {
  const plate = rng.chance(0.8);
  return {
    lines: toonName(rng),
    family: hasFont ? TOON_FONT : 'sans-serif',
    fallback: 'sans-serif',
    colour: rng.pick(TOON_COLOURS),
    ...(plate ? { plate: [225, 225, 225, rng.range(0.45, 0.7)] as [number, number, number, number] } : {}),
    linePxPerHeight: 0.028 * rng.range(0.9, 1.1),
    exponent: 0.21,
    minLinePx: 6,
    lift: rng.range(0.4, 0.9),
  };
}
