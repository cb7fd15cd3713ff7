// The 32 Cogs built by the game's recipe: body type, scale, head node(s), head texture, head and hand
// colours and the department's suit textures, posed with the game's Cog animations.
//
// The table's facts come from the game's public code, open-toontown/open-toontown:
//   toontown/suit/SuitDNA.py         suitHeadTypes (game codes), body types A/B/C, departments c/l/m/s
//                                    (c = Bossbot, l = Lawbot, m = Cashbot, s = Sellbot), poly colours
//   toontown/suit/Suit.py            generateSuit(): scale (size / aSize|bSize|cSize), head node(s),
//                                    headTexture, handColor, headColor, setHeight(); setSuitClothes():
//                                    phase_3.5/maps/<dept>_{blazer,leg,sleeve} on torso/legs/arms, hands
//                                    coloured; generateHead(): heads from suit<A|B|C>-heads (phase 4, 4,
//                                    3.5), textures from phase_<phase>/maps; animations (AllSuits, ...);
//                                    generateCorporateMedallion(): icon, place and colour on the chest
//   toontown/battle/SuitBattleGlobals.py  SuitAttributes[...]['level'] (levels level+1 .. level+5)
//   toontown/toonbase/TTLocalizerEnglish.py  the Cogs' names, the departments' names and
//                                    SuitBaseNameWithLevel ('%(name)s\n%(dept)s\nLevel %(level)s')
import seedrandom from 'seedrandom';
import type { AssetSource } from './assets.ts';
import { bakePart, modelNodeParts, poseModel } from './model.ts';
import { compose, multiply, scaling } from './mat4.ts';
import type { Part } from './scene.ts';
import { COGS_BY_SUIT, SUITS, type Suit } from '../taxonomy.ts';

export type BodyType = 'a' | 'b' | 'c';

export interface CogRecipe {
  /** taxonomy label cog_<suit>_<name> */
  label: string;
  suit: Suit;
  /** the game's code for the Cog (SuitDNA.suitHeadTypes) */
  code: string;
  /** the name on its nametag */
  name: string;
  body: BodyType;
  /** the body's scale: the game's size / body size */
  scale: number;
  /** head node(s) in suit<A|B|C>-heads.bam */
  heads: string[];
  /** a texture put on the head, in phase_<head phase>/maps */
  headTexture?: string;
  headColor?: [number, number, number, number];
  handColor: [number, number, number, number];
  /** the game's avatar height (its nametag hangs 1 above) */
  height: number;
  /** lowest level (levels run to lowest + 4) */
  minLevel: number;
}

/** SuitDNA's department letters: c corporate (Bossbot), l legal (Lawbot), m money (Cashbot), s sales (Sellbot). */
export const GAME_DEPT: Record<Suit, 'c' | 'l' | 'm' | 's'> = { bb: 'c', lb: 'l', cb: 'm', sb: 's' };
export const DEPT_NAMES: Record<Suit, string> = { bb: 'Bossbot', lb: 'Lawbot', cb: 'Cashbot', sb: 'Sellbot' };

const SIZE: Record<BodyType, number> = { a: 6.06, b: 5.29, c: 4.14 };
const corp: [number, number, number, number] = [0.95, 0.75, 0.75, 1];
const legal: [number, number, number, number] = [0.75, 0.75, 0.95, 1];
const money: [number, number, number, number] = [0.65, 0.95, 0.85, 1];
const sales: [number, number, number, number] = [0.95, 0.75, 0.95, 1];

type Row = [code: string, name: string, body: BodyType, size: number, heads: string[], hand: [number, number, number, number], height: number, headTexture?: string, headColor?: [number, number, number, number]];

/** Per taxonomy name, in the taxonomy's order within each suit (lowest tier first). */
const ROWS: Record<string, Row> = {
  flunky: ['f', 'Flunky', 'c', 4.0, ['flunky', 'glasses'], corp, 4.88],
  pencilpusher: ['p', 'Pencil Pusher', 'b', 3.35, ['pencilpusher'], corp, 5.0],
  yesman: ['ym', 'Yesman', 'a', 4.125, ['yesman'], corp, 5.28],
  micromanager: ['mm', 'Micromanager', 'c', 2.5, ['micromanager'], corp, 3.25],
  downsizer: ['ds', 'Downsizer', 'b', 4.5, ['beancounter'], corp, 6.08],
  headhunter: ['hh', 'Head Hunter', 'a', 6.5, ['headhunter'], corp, 7.45],
  corporateraider: ['cr', 'Corporate Raider', 'c', 6.75, ['flunky'], [0.85, 0.55, 0.55, 1], 8.23, 'corporate-raider'],
  thebigcheese: ['tbc', 'The Big Cheese', 'a', 7.0, ['bigcheese'], [0.75, 0.95, 0.75, 1], 9.34],
  bottomfeeder: ['bf', 'Bottom Feeder', 'c', 4.0, ['tightwad'], legal, 4.81, 'bottom-feeder'],
  bloodsucker: ['b', 'Bloodsucker', 'b', 4.375, ['movershaker'], [0.95, 0.95, 1.0, 1], 6.17, 'blood-sucker'],
  doubletalker: ['dt', 'Double Talker', 'a', 4.25, ['twoface'], legal, 5.63, 'double-talker'],
  ambulancechaser: ['ac', 'Ambulance Chaser', 'b', 4.35, ['ambulancechaser'], legal, 6.39],
  backstabber: ['bs', 'Back Stabber', 'a', 4.5, ['backstabber'], legal, 6.71],
  spindoctor: ['sd', 'Spin Doctor', 'b', 5.65, ['telemarketer'], [0.5, 0.8, 0.75, 1], 7.9, 'spin-doctor'],
  legaleagle: ['le', 'Legal Eagle', 'a', 7.125, ['legaleagle'], [0.25, 0.25, 0.5, 1], 8.27],
  bigwig: ['bw', 'Big Wig', 'a', 7.0, ['bigwig'], legal, 8.69],
  shortchange: ['sc', 'Short Change', 'c', 3.6, ['coldcaller'], money, 4.77],
  pennypincher: ['pp', 'Penny Pincher', 'a', 3.55, ['pennypincher'], [1.0, 0.5, 0.6, 1], 5.26],
  tightwad: ['tw', 'Tightwad', 'c', 4.5, ['tightwad'], money, 5.41],
  beancounter: ['bc', 'Bean Counter', 'b', 4.4, ['beancounter'], money, 5.95],
  numbercruncher: ['nc', 'Number Cruncher', 'a', 5.25, ['numbercruncher'], money, 7.22],
  moneybags: ['mb', 'Money Bags', 'c', 5.3, ['moneybags'], money, 6.97],
  loanshark: ['ls', 'Loan Shark', 'b', 6.5, ['loanshark'], [0.5, 0.85, 0.75, 1], 8.58],
  robberbaron: ['rb', 'Robber Baron', 'a', 7.0, ['yesman'], money, 8.95, 'robber-baron'],
  coldcaller: ['cc', 'Cold Caller', 'c', 3.5, ['coldcaller'], [0.55, 0.65, 1.0, 1], 4.63, undefined, [0.25, 0.35, 1.0, 1]],
  telemarketer: ['tm', 'Telemarketer', 'b', 3.75, ['telemarketer'], sales, 5.24],
  namedropper: ['nd', 'Name Dropper', 'a', 4.35, ['numbercruncher'], sales, 5.98, 'name-dropper'],
  gladhander: ['gh', 'Glad Hander', 'c', 4.75, ['gladhander'], sales, 6.4],
  movershaker: ['ms', 'Mover & Shaker', 'b', 4.75, ['movershaker'], sales, 6.7],
  twoface: ['tf', 'Two-Face', 'a', 5.25, ['twoface'], sales, 6.95],
  themingler: ['m', 'The Mingler', 'a', 5.75, ['twoface'], sales, 7.61, 'mingler'],
  mrhollywood: ['mh', 'Mr. Hollywood', 'a', 7.0, ['yesman'], sales, 8.95],
};

export const COG_RECIPES: CogRecipe[] = SUITS.flatMap((suit) => COGS_BY_SUIT[suit].map((n, tier) => {
  const [code, name, body, size, heads, handColor, height, headTexture, headColor] = ROWS[n];
  return { label: `cog_${suit}_${n}`, suit, code, name, body, scale: size / SIZE[body], heads, headTexture, headColor, handColor, height, minLevel: tier + 1 };
}));

export const COG_LABELS: string[] = COG_RECIPES.map((r) => r.label);

const BODY_MODEL: Record<BodyType, string> = {
  a: 'phase_3.5/models/char/suitA-mod.bam',
  b: 'phase_3.5/models/char/suitB-mod.bam',
  c: 'phase_3.5/models/char/suitC-mod.bam',
};
const MEDALLION_MODEL = 'phase_3/models/gui/cog_icons.bam';
const MEDALLION_NODE = { c: 'CorpIcon', s: 'SalesIcon', l: 'LegalIcon', m: 'MoneyIcon' } as const;
/** Suit.medallionColors */
const MEDALLION_COLOR: Record<'c' | 'l' | 'm' | 's', [number, number, number, number]> = {
  c: [0.863, 0.776, 0.769, 1], s: [0.843, 0.745, 0.745, 1], l: [0.749, 0.776, 0.824, 1], m: [0.749, 0.769, 0.749, 1],
};
const HEAD_PHASE: Record<BodyType, string> = { a: 'phase_4', b: 'phase_4', c: 'phase_3.5' };
const HEAD_MODEL: Record<BodyType, string> = {
  a: 'phase_4/models/char/suitA-heads.bam',
  b: 'phase_4/models/char/suitB-heads.bam',
  c: 'phase_3.5/models/char/suitC-heads.bam',
};

/**
 * The game's Cog animations (Suit.py: AllSuits, AllSuitsMinigame, AllSuitsTutorialBattle and the
 * battle reactions) by name, with the file stem each body type plays: phase_<n>/models/char/suit<X>-<stem>.
 */
const COG_ANIMS: Record<string, { stem: string; phase: Record<BodyType, string> }> = {
  neutral: { stem: 'neutral', phase: { a: '4', b: '4', c: '3.5' } },
  walk: { stem: 'walk', phase: { a: '4', b: '4', c: '3.5' } },
  run: { stem: 'walk', phase: { a: '4', b: '4', c: '3.5' } }, // Cogs run with their walk (AllSuits)
  victory: { stem: 'victory', phase: { a: '4', b: '4', c: '4' } },
  flail: { stem: 'flailing', phase: { a: '4', b: '4', c: '4' } },
  'tug-o-war': { stem: 'tug-o-war', phase: { a: '4', b: '4', c: '4' } },
  'slip-backward': { stem: 'slip-backward', phase: { a: '4', b: '4', c: '4' } },
  'slip-forward': { stem: 'slip-forward', phase: { a: '4', b: '4', c: '4' } },
  lose: { stem: 'lose', phase: { a: '4', b: '4', c: '3.5' } },
  'pie-small-react': { stem: 'pie-small', phase: { a: '4', b: '4', c: '3.5' } },
  'squirt-small-react': { stem: 'squirt-small', phase: { a: '4', b: '4', c: '3.5' } },
  'throw-paper': { stem: 'throw-paper', phase: { a: '5', b: '5', c: '3.5' } },
  phone: { stem: 'phone', phase: { a: '5', b: '5', c: '3.5' } },
  shredder: { stem: 'shredder', phase: { a: '5', b: '5', c: '3.5' } },
};

function cogAnimPath(body: BodyType, name: string): string | undefined {
  const a = COG_ANIMS[name];
  return a ? `phase_${a.phase[body]}/models/char/suit${body.toUpperCase()}-${a.stem}.bam` : undefined;
}

/** Cog animations that every body type has in these assets. */
export function cogAnimations(assets: AssetSource): string[] {
  return Object.keys(COG_ANIMS).filter((n) => (['a', 'b', 'c'] as BodyType[]).every((b) => assets.has(cogAnimPath(b, n)!)));
}

export function cogRecipe(label: string): CogRecipe {
  const r = COG_RECIPES.find((c) => c.label === label);
  if (!r) throw new Error(`unknown Cog '${label}' (expected one of cog_<bb|lb|cb|sb>_<name>, e.g. ${COG_LABELS[0]})`);
  return r;
}

export interface CogParts {
  recipe: CogRecipe;
  parts: Part[];
  /** the head's parts (a subset of parts), for the nametag's height */
  headParts: Part[];
  level: number;
}

/** Builds a Cog's posed parts (game frame, scaled) by the game's recipe. */
export async function cogParts(assets: AssetSource, label: string, animation = 'neutral', frame = 0, seed = 0): Promise<CogParts> {
  const recipe = cogRecipe(label);
  const animPath = cogAnimPath(recipe.body, animation);
  if (!animPath) throw new Error(`unknown Cog animation '${animation}' (known: ${Object.keys(COG_ANIMS).join(', ')})`);
  if (!assets.has(animPath)) throw new Error(`Cog animation '${animation}' needs ${animPath}, not found in ${assets.roots.join(', ')}`);
  const body = await poseModel(assets, BODY_MODEL[recipe.body], animPath, frame);
  const dept = GAME_DEPT[recipe.suit];
  // setSuitClothes: the department's suit on torso, arms and legs; the hands coloured.
  const clothes: Record<string, string> = { torso: 'blazer', arms: 'sleeve', legs: 'leg' };
  for (const p of body.parts) {
    const piece = clothes[p.name];
    if (piece && p.state.texture) p.state = { ...p.state, texture: { file: `phase_3.5/maps/${dept}_${piece}.jpg`, alphaFile: '', model: '' } };
    if (p.name === 'hands') p.state = { ...p.state, flatColor: recipe.handColor, vertexColor: false };
  }
  // generateHead: each head node instanced under the body's joint_head, retextured or recoloured.
  const jointHead = body.joint('joint_head');
  if (!jointHead) throw new Error(`${BODY_MODEL[recipe.body]} has no joint_head to carry the head`);
  const headParts: Part[] = [];
  for (const node of recipe.heads) {
    const parts = await modelNodeParts(assets, HEAD_MODEL[recipe.body], node);
    if (!parts.length) throw new Error(`${HEAD_MODEL[recipe.body]} has no head node '${node}' (for ${label})`);
    for (const p of parts) {
      let state = p.state;
      if (recipe.headTexture) state = { ...state, texture: { file: `${HEAD_PHASE[recipe.body]}/maps/${recipe.headTexture}.jpg`, alphaFile: '', model: '' } };
      if (recipe.headColor) state = { ...state, flatColor: recipe.headColor, vertexColor: false };
      headParts.push(bakePart({ ...p, state }, jointHead));
    }
  }
  // generateCorporateMedallion: the department's icon on the chest (joint_attachMeter), when the
  // installation has the icons model (phase_3/models/gui/cog_icons; the fixtures do not).
  const chest = body.joint('joint_attachMeter');
  const medallion: Part[] = [];
  if (chest && assets.has(MEDALLION_MODEL)) {
    const at = multiply(compose([0.51, 0.51, 0.51], [0, 0, 0], [180, 0, 0], [0.02, 0.05, 0.04]), chest);
    for (const p of await modelNodeParts(assets, MEDALLION_MODEL, MEDALLION_NODE[dept])) {
      medallion.push(bakePart({ ...p, state: { ...p.state, flatColor: MEDALLION_COLOR[dept], vertexColor: false } }, at));
    }
  }
  body.parts.push(...medallion);
  // getGeomNode().setScale(scale): the whole Cog, head included.
  const s = scaling(recipe.scale);
  const scaledHead = headParts.map((p) => bakePart(p, s));
  const parts = [...body.parts.map((p) => bakePart(p, multiply(p.matrix, s))), ...scaledHead];
  const rng = seedrandom(`cog:${label}:${seed}`);
  const level = recipe.minLevel + Math.floor(rng() * 5);
  return { recipe, parts, headParts: scaledHead, level };
}
