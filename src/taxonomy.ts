// The ToonTown label taxonomy: 4 Cog suits x 8 names, and 11 Toon animals.
// Label strings are those of labelImg's predefined_classes.txt used by the ToonVision article:
//   cog_<bb|lb|cb|sb>_<name>[_<index>]   toon_<animal>[_<index>]
import { ToonVisionError } from './errors.ts';

/** Suits in the article's order; the fixture models' softmax uses this order. */
export const SUITS = ['bb', 'lb', 'cb', 'sb'] as const;
export type Suit = (typeof SUITS)[number];

export const SUIT_NAMES: Record<Suit, string> = {
  bb: 'Bossbot',
  lb: 'Lawbot',
  cb: 'Cashbot',
  sb: 'Sellbot',
};

/** Department colours as in the article: Bossbot brown, Lawbot blue, Cashbot green, Sellbot maroon. */
export const SUIT_COLOURS: Record<Suit, string> = {
  bb: '#8b5a2b',
  lb: '#3b5ba5',
  cb: '#3f8f4f',
  sb: '#8b1c3a',
};

/** The 8 Cogs of each suit, lowest tier first (order of predefined_classes.txt). */
export const COGS_BY_SUIT: Record<Suit, readonly string[]> = {
  bb: ['flunky', 'pencilpusher', 'yesman', 'micromanager', 'downsizer', 'headhunter', 'corporateraider', 'thebigcheese'],
  lb: ['bottomfeeder', 'bloodsucker', 'doubletalker', 'ambulancechaser', 'backstabber', 'spindoctor', 'legaleagle', 'bigwig'],
  cb: ['shortchange', 'pennypincher', 'tightwad', 'beancounter', 'numbercruncher', 'moneybags', 'loanshark', 'robberbaron'],
  sb: ['coldcaller', 'telemarketer', 'namedropper', 'gladhander', 'movershaker', 'twoface', 'themingler', 'mrhollywood'],
};

/** Display names of the Cogs, for people (overlay, reports). */
export const COG_DISPLAY_NAMES: Record<string, string> = {
  flunky: 'Flunky', pencilpusher: 'Pencil Pusher', yesman: 'Yesman', micromanager: 'Micromanager',
  downsizer: 'Downsizer', headhunter: 'Head Hunter', corporateraider: 'Corporate Raider', thebigcheese: 'The Big Cheese',
  bottomfeeder: 'Bottom Feeder', bloodsucker: 'Bloodsucker', doubletalker: 'Double Talker',
  ambulancechaser: 'Ambulance Chaser', backstabber: 'Back Stabber', spindoctor: 'Spin Doctor',
  legaleagle: 'Legal Eagle', bigwig: 'Big Wig',
  shortchange: 'Short Change', pennypincher: 'Penny Pincher', tightwad: 'Tightwad', beancounter: 'Bean Counter',
  numbercruncher: 'Number Cruncher', moneybags: 'Money Bags', loanshark: 'Loan Shark', robberbaron: 'Robber Baron',
  coldcaller: 'Cold Caller', telemarketer: 'Telemarketer', namedropper: 'Name Dropper', gladhander: 'Glad Hander',
  movershaker: 'Mover & Shaker', twoface: 'Two-Face', themingler: 'The Mingler', mrhollywood: 'Mr. Hollywood',
};

/** All 32 Cog names, suit by suit in SUITS order. */
export const COG_NAMES: readonly string[] = SUITS.flatMap((s) => COGS_BY_SUIT[s]);

export const ANIMALS = [
  'bear', 'cat', 'crocodile', 'deer', 'dog', 'duck', 'horse', 'monkey', 'mouse', 'pig', 'rabbit',
] as const;
export type Animal = (typeof ANIMALS)[number];

export const KINDS = ['cog', 'toon'] as const;
export type Kind = (typeof KINDS)[number];

/** The 43 labels (32 Cogs, then 11 Toons), as in predefined_classes.txt. */
export const LABELS: readonly string[] = [
  ...SUITS.flatMap((s) => COGS_BY_SUIT[s].map((n) => `cog_${s}_${n}`)),
  ...ANIMALS.map((a) => `toon_${a}`),
];

export const TASKS = ['binary', 'suit', 'name', 'animal', 'detector'] as const;
export type Task = (typeof TASKS)[number];
export type ClassifierTask = Exclude<Task, 'detector'>;
export const CLASSIFIER_TASKS: readonly ClassifierTask[] = ['binary', 'suit', 'name', 'animal'];

/** The classes each task predicts, in output order. */
export const TASK_CLASSES: Record<Task, readonly string[]> = {
  binary: KINDS,
  suit: SUITS,
  name: COG_NAMES,
  animal: ANIMALS,
  detector: KINDS,
};

export interface CogLabel {
  kind: 'cog';
  suit: Suit;
  name: string;
  animal?: undefined;
  index?: number;
}
export interface ToonLabel {
  kind: 'toon';
  animal: Animal;
  suit?: undefined;
  name?: undefined;
  index?: number;
}
export type ParsedLabel = CogLabel | ToonLabel;

/**
 * A coarse label, for a player who cannot tell more: `cog`, `cog_<suit>` or `toon`. It informs the
 * detector and binary (and suit, when the suit is given), never name or animal.
 */
export interface CoarseLabel {
  kind: Kind;
  suit?: Suit;
  name?: undefined;
  animal?: undefined;
  index?: number;
  coarse: true;
}
/** A taxonomy label or a coarse one: what a VOC file or a crop file name may hold. */
export type AnyLabel = ParsedLabel | CoarseLabel;

/** The coarse labels: `cog`, `cog_bb` .. `cog_sb`, `toon`. */
export const COARSE_LABELS: readonly string[] = ['cog', ...SUITS.map((s) => `cog_${s}`), 'toon'];
/** Every label a VOC object may carry: the 43 taxonomy labels, then the coarse ones. */
export const ALL_LABELS: readonly string[] = [...LABELS, ...COARSE_LABELS];

export class LabelError extends ToonVisionError {
  constructor(readonly label: string, reason: string) {
    super(`bad label '${label}': ${reason}`, { code: 'label' });
  }
}

function isSuit(s: string): s is Suit {
  return (SUITS as readonly string[]).includes(s);
}
function isAnimal(s: string): s is Animal {
  return (ANIMALS as readonly string[]).includes(s);
}

function parseIndex(label: string, part: string | undefined, extra: string[]): number | undefined {
  if (extra.length > 0) throw new LabelError(label, `unexpected part '${extra.join('_')}'`);
  if (part === undefined) return undefined;
  if (!/^\d+$/.test(part)) throw new LabelError(label, `index '${part}' is not a number`);
  return Number(part);
}

/**
 * Parses `cog_<suit>_<name>[_<index>]` or `toon_<animal>[_<index>]` (a file stem such as
 * `cog_sb_coldcaller_12` works too). Throws a LabelError naming the bad part otherwise.
 */
export function parseLabel(label: string): ParsedLabel {
  const parts = label.trim().split('_');
  const [kind, ...rest] = parts;
  if (kind === 'cog') {
    const [suit, name, index, ...extra] = rest;
    if (suit === undefined || suit === '') throw new LabelError(label, 'missing suit');
    if (!isSuit(suit)) throw new LabelError(label, `unknown suit '${suit}' (expected one of ${SUITS.join(', ')})`);
    if (name === undefined || name === '') throw new LabelError(label, 'missing Cog name');
    if (!COGS_BY_SUIT[suit].includes(name)) {
      const other = SUITS.find((s) => COGS_BY_SUIT[s].includes(name));
      throw new LabelError(
        label,
        other ? `Cog '${name}' is a ${SUIT_NAMES[other]} (${other}), not ${suit}` : `unknown Cog name '${name}'`,
      );
    }
    return { kind: 'cog', suit, name, index: parseIndex(label, index, extra) };
  }
  if (kind === 'toon') {
    const [animal, index, ...extra] = rest;
    if (animal === undefined || animal === '') throw new LabelError(label, 'missing animal');
    if (!isAnimal(animal)) throw new LabelError(label, `unknown animal '${animal}'`);
    return { kind: 'toon', animal, index: parseIndex(label, index, extra) };
  }
  throw new LabelError(label, `unknown kind '${kind}' (expected cog or toon)`);
}

/**
 * Parses a taxonomy label or a coarse one (`cog`, `cog_<suit>`, `toon`), each with an optional
 * `_<index>` as crop file names carry. Throws a LabelError naming the bad part otherwise.
 */
export function parseAnyLabel(label: string): AnyLabel {
  const [kind, ...rest] = label.trim().split('_');
  const isIndex = (part: string | undefined) => part !== undefined && /^\d+$/.test(part);
  if ((kind === 'cog' || kind === 'toon') && (rest.length === 0 || (rest.length === 1 && isIndex(rest[0])))) {
    return { kind, coarse: true, index: rest.length ? Number(rest[0]) : undefined };
  }
  if (kind === 'cog' && rest[0] !== undefined && isSuit(rest[0]) && (rest.length === 1 || (rest.length === 2 && isIndex(rest[1])))) {
    return { kind: 'cog', suit: rest[0], coarse: true, index: rest.length === 2 ? Number(rest[1]) : undefined };
  }
  return parseLabel(label);
}

/** True for a coarse label (no Cog name, no animal). */
export function isCoarse(p: AnyLabel): p is CoarseLabel {
  return 'coarse' in p && p.coarse === true;
}

/** The label without index: `cog_sb_coldcaller`, `toon_dog`; coarse ones as `cog`, `cog_sb`, `toon`. */
export function formatLabel(p: AnyLabel): string {
  if (isCoarse(p)) return p.kind === 'cog' && p.suit ? `cog_${p.suit}` : p.kind;
  return p.kind === 'cog' ? `cog_${p.suit}_${p.name}` : `toon_${p.animal}`;
}

/** True when the string parses as a taxonomy label. */
export function isLabel(label: string): boolean {
  try {
    parseLabel(label);
    return true;
  } catch {
    return false;
  }
}

/** True when the string is one of ALL_LABELS exactly (a taxonomy or coarse label, no index). */
export function isAnyLabel(label: string): boolean {
  return ALL_LABELS.includes(label);
}

/**
 * The class a label has for a task, or undefined where the task does not apply (a Toon for `suit`)
 * or the label does not tell (a coarse `cog` for `suit`, any coarse label for `name` and `animal`).
 */
export function classForTask(task: Task, p: AnyLabel): string | undefined {
  switch (task) {
    case 'binary':
    case 'detector':
      return p.kind;
    case 'suit':
      return p.kind === 'cog' ? p.suit : undefined;
    case 'name':
      return p.kind === 'cog' ? p.name : undefined;
    case 'animal':
      return p.kind === 'toon' ? p.animal : undefined;
  }
}

/** Human text for a label: `Cog · Sellbot · Cold Caller`, `Toon · dog`; coarse: `Cog · Sellbot`, `Toon`. */
export function describeLabel(p: AnyLabel): string {
  if (isCoarse(p)) return p.kind === 'cog' ? (p.suit ? `Cog · ${SUIT_NAMES[p.suit]}` : 'Cog') : 'Toon';
  return p.kind === 'cog'
    ? `Cog · ${SUIT_NAMES[p.suit]} · ${COG_DISPLAY_NAMES[p.name] ?? p.name}`
    : `Toon · ${p.animal}`;
}

/** The suit a Cog name belongs to. */
export function suitOfCog(name: string): Suit | undefined {
  return SUITS.find((s) => COGS_BY_SUIT[s].includes(name));
}
