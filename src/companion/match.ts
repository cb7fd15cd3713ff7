// Which of the player's ToonTasks a Cog on screen counts towards, and whether it is of the invading
// type. A Cog's name, suit and level come from its detection (the nametag when it was read, else the
// body classifiers); a term the Cog does not show (an unread level, an unknown name) never counts: the
// task goes to `tasksUnsure` with the reason instead.
import { suitOfCog } from '../taxonomy.ts';
import { parseCogNoun, type CogTerms, type Objective } from './objectives.ts';
import { normText } from './names.ts';

/** What the matcher reads of a detection (a LiveDetection carries these fields). */
export interface CogSighting {
  label: string;
  suit?: string;
  name?: string;
  level?: number;
  /** the nametag read, when there was one: its text tells Skelecogs and Version 2.0 Cogs */
  nametag?: { text?: string; name?: string; suit?: string; level?: number };
}

/** A task as the matcher needs it: its parsed objective, the API's `where` and progress. */
export interface MatchTask {
  objective: Objective;
  where?: string;
  progress?: { current: number; target: number };
}

export interface MatchContext {
  /** where the player's Toon is (the API's location), to match tasks bound to a place */
  location?: { zone?: string; neighborhood?: string };
  /** the invading Cog as the API names it ("Version 2.0 Flunky", "Flunky (Skelecog)") */
  invasionCog?: string;
}

export interface TaskMatch {
  /** indexes of the tasks this Cog counts towards */
  tasks: number[];
  /** tasks it may count towards, with what is not known about the Cog */
  tasksUnsure: { task: number; reason: string }[];
  /** the Cog is of the district's invading type */
  invasion: boolean;
}

const ANYWHERE = new Set(['', 'anywhere']);

function placeName(s: string): string {
  return normText(s).replace(/^the\s+/, '').replace(/[^a-z0-9]+/g, ' ').trim();
}

/** True, false, or undefined when the player's place is not known. */
function inPlace(where: string | undefined, ctx: MatchContext): boolean | undefined {
  if (where === undefined || ANYWHERE.has(normText(where))) return true;
  const loc = ctx.location;
  const names = [loc?.zone, loc?.neighborhood].filter((s): s is string => !!s).map(placeName);
  if (names.length === 0) return undefined;
  const w = placeName(where);
  return names.some((n) => n === w || n.includes(w) || w.includes(n));
}

interface Seen {
  name?: string;
  suit?: string;
  level?: number;
  skelecog?: boolean;
  v2?: boolean;
}

function seen(d: CogSighting): Seen {
  const text = d.nametag?.text;
  const name = d.name ?? d.nametag?.name;
  return {
    name,
    suit: d.suit ?? d.nametag?.suit ?? (name ? suitOfCog(name) : undefined),
    level: d.level ?? d.nametag?.level,
    skelecog: text === undefined ? undefined : /skelecog/i.test(text),
    v2: text === undefined ? undefined : /v\s*2\.0|version 2\.0/i.test(text),
  };
}

/** 'yes', 'no', or the reason it cannot be told. */
function termsHold(t: CogTerms, s: Seen): 'yes' | 'no' | string {
  const unknown: string[] = [];
  if (t.name !== undefined) {
    if (s.name === undefined) {
      if (s.suit !== undefined && s.suit !== suitOfCog(t.name)) return 'no';
      unknown.push('name not known');
    } else if (s.name !== t.name) return 'no';
  }
  if (t.suit !== undefined) {
    if (s.suit === undefined) unknown.push('suit not known');
    else if (s.suit !== t.suit) return 'no';
  }
  if (t.skelecog) {
    if (s.skelecog === undefined) unknown.push('nametag not read (Skelecog?)');
    else if (!s.skelecog) return 'no';
  }
  if (t.v2) {
    if (s.v2 === undefined) unknown.push('nametag not read (Version 2.0?)');
    else if (!s.v2) return 'no';
  }
  if (t.level !== undefined) {
    if (s.level === undefined) unknown.push('level not known');
    else if (s.level < t.level) return 'no';
  }
  return unknown.length ? unknown.join(', ') : 'yes';
}

/** The tasks a Cog counts towards (none for a Toon), and whether it is of the invading type. */
export function matchCog(d: CogSighting, tasks: readonly MatchTask[], ctx: MatchContext = {}): TaskMatch {
  const out: TaskMatch = { tasks: [], tasksUnsure: [], invasion: false };
  if (d.label !== 'cog') return out;
  const s = seen(d);
  tasks.forEach((task, i) => {
    const o = task.objective;
    if (o.kind !== 'cog') return;
    const p = task.progress;
    if (p && p.target > 0 && p.current >= p.target) return;
    const hold = termsHold(o, s);
    if (hold === 'no') return;
    const place = inPlace(o.place ?? task.where, ctx);
    if (place === false) return;
    const reasons = [...(hold === 'yes' ? [] : [hold]), ...(place === undefined ? ['the Toon\'s place not known'] : [])];
    if (reasons.length) out.tasksUnsure.push({ task: i, reason: reasons.join(', ') });
    else out.tasks.push(i);
  });
  if (ctx.invasionCog) {
    const inv = parseCogNoun(ctx.invasionCog);
    // Every street Cog of an invaded district is the invader: the name (or a Skelecog's suit) is enough.
    if (inv && (inv.name ?? inv.suit)) {
      const terms: CogTerms = inv.skelecog && s.name === undefined ? { suit: inv.suit, skelecog: true } : { name: inv.name, suit: inv.suit };
      out.invasion = termsHold(terms, s) === 'yes';
    }
  }
  return out;
}
