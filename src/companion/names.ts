// The game's words for Cogs as its ToonTask and invasion texts write them: each Cog's singular and
// plural name ("Flunky", "Flunkies", "Movers & Shakers"), the departments ("Lawbot", "Lawbots") and
// the text normalisation they are compared under. ToonTown-specific data, so written by hand.
import { COG_DISPLAY_NAMES, COG_NAMES, SUIT_NAMES, suitOfCog, type Suit } from '../taxonomy.ts';

/** The plural the game writes for each Cog (its quest texts: "Defeat 3 Yesmen"). */
export const COG_PLURALS: Readonly<Record<string, string>> = {
  flunky: 'Flunkies', pencilpusher: 'Pencil Pushers', yesman: 'Yesmen', micromanager: 'Micromanagers',
  downsizer: 'Downsizers', headhunter: 'Head Hunters', corporateraider: 'Corporate Raiders', thebigcheese: 'The Big Cheeses',
  bottomfeeder: 'Bottom Feeders', bloodsucker: 'Bloodsuckers', doubletalker: 'Double Talkers',
  ambulancechaser: 'Ambulance Chasers', backstabber: 'Back Stabbers', spindoctor: 'Spin Doctors',
  legaleagle: 'Legal Eagles', bigwig: 'Big Wigs',
  shortchange: 'Short Changes', pennypincher: 'Penny Pinchers', tightwad: 'Tightwads', beancounter: 'Bean Counters',
  numbercruncher: 'Number Crunchers', moneybags: 'Money Bags', loanshark: 'Loan Sharks', robberbaron: 'Robber Barons',
  coldcaller: 'Cold Callers', telemarketer: 'Telemarketers', namedropper: 'Name Droppers', gladhander: 'Glad Handers',
  movershaker: 'Movers & Shakers', twoface: 'Two-Faces', themingler: 'The Minglers', mrhollywood: 'Mr. Hollywoods',
};

/**
 * Text as compared: lower case, the game's soft-hyphen marks (\x03 in "Tele\x03marketer") and every
 * other non-letter/digit/'+'/'.' character turned into single spaces, trimmed.
 */
export function normText(s: string): string {
  return s
    .replace(/[\x00-\x1f]/g, '')
    .toLowerCase()
    .replace(/[’']/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** A Cog name with everything but letters removed: "Mr. Hollywood" -> "mrhollywood". */
function squash(s: string): string {
  return s.replace(/[\x00-\x1f]/g, '').toLowerCase().replace(/[^a-z]/g, '');
}

const BY_SQUASHED = new Map<string, { name: string; plural: boolean }>();
for (const name of COG_NAMES) {
  BY_SQUASHED.set(squash(COG_DISPLAY_NAMES[name] ?? name), { name, plural: false });
  BY_SQUASHED.set(name, { name, plural: false });
  BY_SQUASHED.set(squash(COG_PLURALS[name] ?? `${name}s`), { name, plural: true });
}

/** The Cog (taxonomy name) a singular or plural game name denotes, or undefined. */
export function cogByName(text: string): { name: string; suit: Suit; plural: boolean } | undefined {
  const hit = BY_SQUASHED.get(squash(text));
  if (!hit) return undefined;
  const suit = suitOfCog(hit.name);
  return suit ? { ...hit, suit } : undefined;
}

/** Department words to suit codes: "Bossbot(s)", and the game's track letters c/l/m/s. */
const DEPARTMENTS: Record<string, Suit> = { bossbot: 'bb', lawbot: 'lb', cashbot: 'cb', sellbot: 'sb' };

/** The suit a department word ("Lawbot", "lawbots") denotes, or undefined. */
export function suitByDepartment(word: string): Suit | undefined {
  return DEPARTMENTS[squash(word).replace(/s$/, '')];
}

/** "Bossbot", for people. */
export function departmentName(suit: Suit): string {
  return SUIT_NAMES[suit];
}
