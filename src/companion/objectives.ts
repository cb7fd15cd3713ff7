// What a ToonTask asks for, read from the objective text the game writes ("Defeat 3 Flunkies",
// "Defeat 2 Level 4+ Lawbots", "Help a new Toon defeat 5 Cogs", "Recover a Pinstripe Suit from The
// Cogs", "Defeat 2 three+ story Cashbot Buildings in Daisy Gardens"). Cog objectives become a matcher's
// terms (count, Cog name, department, level, Skelecog, Version 2.0, place); buildings are understood
// but match no character; everything else is kept as text with the reason it marks nothing.
// The forms were learnt from the game's quest texts (its Quests.py and English localizer); the grammar
// is the game's own, so it is written by hand.
import type { Suit } from '../taxonomy.ts';
import { cogByName, suitByDepartment } from './names.ts';

/** The laff limit of "Help a new Toon ..." tasks (the game's NEWBIE_HP). */
export const NEW_TOON_LAFF = 25;

/** Which Cogs a Cog objective counts: every term given must hold. */
export interface CogTerms {
  /** taxonomy Cog name (suit follows from it) */
  name?: string;
  suit?: Suit;
  /** the Cog's level must be at least this ("Level 4+") */
  level?: number;
  skelecog?: true;
  /** Version 2.0 Cogs */
  v2?: true;
}

interface Common {
  /** the objective text as the game wrote it */
  text: string;
  /** a place written into the text itself ("... in Daisy Gardens"); the API also gives `where` */
  place?: string;
  /** "Help a (new) Toon ... defeat": counts only with a Toon of at most this laff in the battle */
  newToonLaff?: number;
}

export interface CogObjective extends Common, CogTerms {
  kind: 'cog';
  count: number;
  /** "Recover <item> from <Cogs>": those Cogs may carry the item */
  recover?: string;
}

export interface BuildingObjective extends Common {
  kind: 'building';
  count: number;
  suit?: Suit;
  /** at least this many floors ("three+ story", "3+ story") */
  floors?: number;
}

export interface TextObjective extends Common {
  kind: 'text';
  /** true for a form this parser knows and leaves as text on purpose; false for an unknown one */
  known: boolean;
  reason: string;
  count?: number;
}

export type Objective = CogObjective | BuildingObjective | TextObjective;

const NUMBER_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 };

/** Leading count: "3 ...", "a ...", "an ...", "some ..." (the game's "some" is a single item's article). */
function takeCount(s: string): { count: number; rest: string } {
  const m = /^(\d+|a|an|one|two|three|four|five|six|some)\s+(.+)$/i.exec(s);
  if (!m) return { count: 1, rest: s };
  const w = m[1].toLowerCase();
  return { count: /^\d+$/.test(w) ? Number(w) : (NUMBER_WORDS[w] ?? 1), rest: m[2] };
}

/**
 * A Cog noun phrase ("Flunkies", "Level 4+ Lawbots", "Version 2.0 Cogs", "Bossbot Skelecogs",
 * "The Cogs", "Level 3+ Cogs") to its terms, or undefined when it names no Cog.
 */
export function parseCogNoun(phrase: string): CogTerms | undefined {
  let s = phrase.trim();
  const terms: CogTerms = {};
  let m = /^level\s+(\d+)\s*\+\s*(.+)$/i.exec(s);
  if (m) {
    terms.level = Number(m[1]);
    s = m[2];
  }
  m = /^(?:version\s*2\.0|v\s*2\.0|v2)\s+(.+)$/i.exec(s);
  if (m) {
    terms.v2 = true;
    s = m[1];
  }
  m = /^(.+?)\s+v2\.0$/i.exec(s);
  if (m) {
    terms.v2 = true;
    s = m[1];
  }
  m = /^(.+?)\s*\(skelecog\)$/i.exec(s);
  if (m) {
    terms.skelecog = true;
    s = m[1];
  }
  if (/^(the\s+)?cogs?$/i.test(s)) return terms;
  if (/^skelecogs?$/i.test(s)) return { ...terms, skelecog: true };
  m = /^(bossbots?|lawbots?|cashbots?|sellbots?)(?:\s+(cogs?|skelecogs?))?$/i.exec(s);
  if (m) {
    const suit = suitByDepartment(m[1]);
    if (!suit) return undefined;
    return { ...terms, suit, ...(m[2] && /^skelecog/i.test(m[2]) ? { skelecog: true as const } : {}) };
  }
  const cog = cogByName(s);
  if (cog) return { ...terms, name: cog.name, suit: cog.suit };
  return undefined;
}

const BUILDING = /^(?:(\d+|one|two|three|four|five)\s*\+\s*(?:-\s*)?(?:story|stories|floors?)\s+)?(?:(cog|bossbot|lawbot|cashbot|sellbot)\s+)?buildings?$/i;
const BOSS = /(foreman|foremen|supervisors?|\bv\.?\s?p\.?(?:'?s)?$|\bc\.?\s?f\.?\s?o\.?(?:'?s)?$|\bc\.?\s?j\.?(?:'?s)?$|\bc\.?\s?e\.?\s?o\.?(?:'?s)?$|chief justices?|clerks?$|presidents?$)/i;
const FACILITY = /\b(factor(?:y|ies)|mints?|offices?|country clubs?|golf courses?|cog hqs?)$/i;

function textObjective(base: Common, known: boolean, reason: string, count?: number): TextObjective {
  return { kind: 'text', ...base, known, reason, ...(count !== undefined ? { count } : {}) };
}

/** Parses one objective text as the game writes it (the companion API's `objective.text`). */
export function parseObjective(text: string): Objective {
  let s = text.replace(/[\x00-\x1f]/g, '').replace(/\s+/g, ' ').trim().replace(/[.!]+$/, '');
  const base: Common = { text };
  let m = /^help a new toon\s+(defeat|rescue|retrieve|recover)\s+(.+)$/i.exec(s);
  if (m) {
    base.newToonLaff = NEW_TOON_LAFF;
    s = `${m[1]} ${m[2]}`;
  }
  m = /^help a toon with (\d+) laff or less\s+(defeat|rescue|retrieve|recover)\s+(.+)$/i.exec(s);
  if (m) {
    base.newToonLaff = Number(m[1]);
    s = `${m[2]} ${m[3]}`;
  }
  // A place written into the text: the last " in X" / " on X" that is not followed by " from ".
  // The game writes "in the Sellbot Factory" but "in The Brrrgh": only a lower-case "the" is the phrase's.
  m = /^(.*\S)\s+(?:in|on)\s+(.+)$/i.exec(s);
  if (m && !/\sfrom\s/i.test(m[2]) && /^(defeat|recover|rescue|retrieve)\b/i.test(m[1])) {
    base.place = m[2].replace(/^the\s+/, '');
    s = m[1];
  }

  m = /^recover\s+(.+)\s+from\s+(.+)$/i.exec(s);
  if (m) {
    const { count } = takeCount(m[1]);
    const holder = m[2];
    if (/^(a|the)\s+fish$/i.test(holder)) return textObjective(base, true, 'recovered from fish, not from Cogs', count);
    const terms = parseCogNoun(holder);
    if (!terms) return textObjective(base, false, `unknown holder '${holder}'`, count);
    return { kind: 'cog', ...base, count, ...terms, recover: m[1] };
  }
  if (/^rescue\b/i.test(s)) return textObjective(base, true, 'rescuing Toons: no Cog to mark', takeCount(s.replace(/^rescue\s+/i, '')).count);
  if (/^retrieve\b/i.test(s)) return textObjective(base, true, 'Cog Suit Parts come from Cog facilities: no Cog to mark', takeCount(s.replace(/^retrieve\s+/i, '')).count);

  m = /^defeat:?\s+(.+)$/i.exec(s);
  if (!m) return textObjective(base, false, 'not a form this reader knows');
  const { count, rest } = takeCount(m[1]);
  const b = BUILDING.exec(rest);
  if (b) {
    const floorsWord = b[1]?.toLowerCase();
    const floors = floorsWord === undefined ? undefined : /^\d+$/.test(floorsWord) ? Number(floorsWord) : NUMBER_WORDS[floorsWord];
    const suit = b[2] && b[2].toLowerCase() !== 'cog' ? suitByDepartment(b[2]) : undefined;
    return { kind: 'building', ...base, count, ...(suit ? { suit } : {}), ...(floors ? { floors } : {}) };
  }
  if (BOSS.test(rest)) return textObjective(base, true, 'a Cog boss, foreman or supervisor: its nametag does not tell', count);
  if (FACILITY.test(rest)) return textObjective(base, true, 'a Cog facility, not a character', count);
  const terms = parseCogNoun(rest);
  if (!terms) return textObjective(base, false, `unknown Cog '${rest}'`, count);
  return { kind: 'cog', ...base, count, ...terms };
}
