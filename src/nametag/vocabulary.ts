// The closed vocabulary of a Cog's nametag: what the game prints on it (name, department, "Level N",
// the Skelecog and version 2.0 forms), how it wraps the name, each Cog's level range, and fuzzy
// matching of read text against it. Facts from the game's public code (TTLocalizer, SuitBase,
// DistributedSuitBase, SuitBattleGlobals, the nametag's 8-em word wrap).
import { distance } from 'fastest-levenshtein';
import { COG_DISPLAY_NAMES, COG_NAMES, COGS_BY_SUIT, SUIT_NAMES, SUITS, suitOfCog, type Suit } from '../taxonomy.ts';

/** The name line of a Skelecog's tag (the game replaces the Cog's name with it). */
export const SKELECOG = 'Skelecog';
/** What a version 2.0 Cog's level line ends with ("Level 5 v2.0"). */
export const V2_SUFFIX = 'v2.0';
/** The nametag wraps its text at 8 em; the typeface is monospaced at 0.6 em a character. */
export const WORDWRAP_EM = 8;
export const ADVANCE_EM = 0.6;
/** Levels the reader tells apart (1-20: the street's 1-12 and the facilities' higher ones). */
export const MAX_TAG_LEVEL = 20;

/** The name as the tag prints it ("Penny Pincher", "Mr. Hollywood", "The Big Cheese"). */
export function tagName(cog: string): string {
  const n = COG_DISPLAY_NAMES[cog];
  if (!n) throw new RangeError(`unknown Cog '${cog}'`);
  return n;
}

/** The department word of a suit ("Cashbot"). */
export function departmentOf(suit: Suit): string {
  return SUIT_NAMES[suit];
}

/** The levels a Cog is met at: tier t (1 for a Flunky, 8 for The Big Cheese) gives t to t+4. */
export function levelRange(cog: string): [number, number] {
  const suit = suitOfCog(cog);
  if (!suit) throw new RangeError(`unknown Cog '${cog}'`);
  const tier = COGS_BY_SUIT[suit].indexOf(cog) + 1;
  return [tier, tier + 4];
}

/** True when a Cog is met at this level (a level outside its range makes a read unsure). */
export function levelFits(cog: string, level: number): boolean {
  const [lo, hi] = levelRange(cog);
  return level >= lo && level <= hi;
}

/** Greedy word wrap at WORDWRAP_EM, as the game's text node does it. */
export function wrapLine(text: string): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    if (line && next.length * ADVANCE_EM > WORDWRAP_EM) {
      lines.push(line);
      line = w;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** What a tag says, as far as it is known. */
export interface TagContent {
  /** Cog name key (`pennypincher`); absent for a Skelecog or when not known. */
  name?: string;
  suit?: Suit;
  level?: number;
  skelecog?: boolean;
  v2?: boolean;
}

/** The lines the game prints for a tag: name (wrapped), department, level ("Level 3", "Level 5 v2.0"). */
export function tagLines(tag: { name?: string; suit: Suit; level: number; skelecog?: boolean; v2?: boolean }): string[] {
  if (!tag.skelecog && !tag.name) throw new RangeError('a tag needs a Cog name unless it is a Skelecog');
  const first = tag.skelecog ? SKELECOG : tagName(tag.name!);
  const level = `Level ${tag.level}${tag.v2 ? ` ${V2_SUFFIX}` : ''}`;
  return [...wrapLine(first), departmentOf(tag.suit), ...wrapLine(level)];
}

/** The tag's text on one line, lines joined by " / " (as nametags.tsv and the JSON `text` write it). */
export function tagText(tag: TagContent): string {
  const parts: string[] = [];
  if (tag.skelecog) parts.push(SKELECOG);
  else if (tag.name) parts.push(tagName(tag.name));
  if (tag.suit) parts.push(departmentOf(tag.suit));
  if (tag.level !== undefined) parts.push(`Level ${tag.level}${tag.v2 ? ` ${V2_SUFFIX}` : ''}`);
  return parts.join(' / ');
}

/** Lower case letters and digits only ("Mr. Hollywood" -> "mrhollywood"; "Two-Face" -> "twoface"). */
export function squash(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Similarity of two strings after squash(): 1 - edit distance / longer length (0 when both are empty). */
export function similarity(a: string, b: string): number {
  const x = squash(a);
  const y = squash(b);
  const n = Math.max(x.length, y.length);
  return n === 0 ? 0 : 1 - distance(x, y) / n;
}

export interface Match<T> {
  value: T;
  /** 0-1: how close the best candidate is. */
  similarity: number;
  /** How much closer than the second best candidate (0 when there is none or they tie). */
  margin: number;
}

/** The candidate whose text is most similar to `text`. */
export function bestMatch<T>(text: string, candidates: readonly { text: string; value: T }[]): Match<T> | undefined {
  let best: Match<T> | undefined;
  let second = 0;
  for (const c of candidates) {
    const s = similarity(text, c.text);
    if (!best || s > best.similarity) {
      if (best) second = Math.max(second, best.similarity);
      best = { value: c.value, similarity: s, margin: 0 };
    } else second = Math.max(second, s);
  }
  if (best) best.margin = best.similarity - second;
  return best;
}

/** The name line's candidates: the 32 Cogs, then the Skelecog ('skelecog'). */
export const NAME_CANDIDATES: readonly { text: string; value: string }[] = [
  ...COG_NAMES.map((n) => ({ text: tagName(n), value: n })),
  { text: SKELECOG, value: 'skelecog' },
];
export const SUIT_CANDIDATES: readonly { text: string; value: Suit }[] = SUITS.map((s) => ({ text: departmentOf(s), value: s }));

/** Reads "Level 12", "Level 5 v2.0" (and OCR's near misses: "Leve1 3", "Level I2") into a level and the v2 flag. */
export function parseLevelLine(text: string): { level?: number; v2: boolean; similarity: number } {
  const t = text.replace(/[^A-Za-z0-9. ]/g, ' ').trim().replace(/\.+$/, '').trim();
  const v2 = /v\s*2[.,]?\s*[0oO]/i.test(t);
  const rest = t.replace(/v\s*2[.,]?\s*[0oO]\s*$/i, '').trim();
  const m = /^(.*?)([0-9IlOo|]{1,2})\s*$/.exec(rest);
  const word = m ? m[1]! : rest;
  const sim = similarity(word, 'Level');
  if (!m) return { v2, similarity: sim };
  const digits = m[2]!.replace(/[Il|]/g, '1').replace(/[Oo]/g, '0');
  const level = Number(digits);
  return level >= 1 && level <= MAX_TAG_LEVEL ? { level, v2, similarity: sim } : { v2, similarity: sim };
}

/** A tag matched to the vocabulary, with how sure each part is (0-1). */
export interface VocabularyRead extends TagContent {
  scores: { name: number; suit: number; level: number };
}

/**
 * Matches a tag's read lines (top to bottom) to the vocabulary: the last line that reads as a level
 * line is the level, the line above it the department, the lines above that the name (a wrapped name
 * is joined). Parts that match nothing well are left out; their score says how close they came.
 */
export function matchLines(lines: readonly string[]): VocabularyRead {
  const ls = lines.map((l) => l.trim()).filter((l) => squash(l).length > 0);
  const out: VocabularyRead = { scores: { name: 0, suit: 0, level: 0 } };
  if (ls.length === 0) return out;
  // The level line: the last line that looks like one.
  let levelAt = -1;
  for (let i = ls.length - 1; i >= 0 && levelAt < 0; i--) {
    const p = parseLevelLine(ls[i]!);
    if (p.similarity >= 0.6 && p.level !== undefined) levelAt = i;
  }
  if (levelAt >= 0) {
    const p = parseLevelLine(ls[levelAt]!);
    out.level = p.level;
    if (p.v2) out.v2 = true;
    out.scores.level = p.similarity;
  }
  // The department: the best matching line above the level line (or anywhere when there is none).
  const deptSpan = levelAt >= 0 ? ls.slice(0, levelAt) : ls;
  let deptAt = -1;
  let dept: Match<Suit> | undefined;
  deptSpan.forEach((l, i) => {
    const m = bestMatch(l, SUIT_CANDIDATES);
    if (m && (!dept || m.similarity > dept.similarity)) {
      dept = m;
      deptAt = i;
    }
  });
  if (dept && dept.similarity >= 0.5) {
    out.suit = dept.value;
    out.scores.suit = dept.similarity;
  } else deptAt = -1;
  // The name: the lines above the department joined (or the first line when no department was found).
  const nameLines = deptAt > 0 ? ls.slice(0, deptAt) : deptAt === 0 ? [] : ls.slice(0, 1);
  if (nameLines.length > 0) {
    const m = bestMatch(nameLines.join(' '), NAME_CANDIDATES);
    if (m && m.similarity >= 0.5) {
      if (m.value === 'skelecog') out.skelecog = true;
      else {
        out.name = m.value;
        const s = suitOfCog(m.value)!;
        // The name decides the department when the department line was not read.
        if (!out.suit) out.suit = s;
      }
      out.scores.name = m.similarity;
    }
  }
  return out;
}
