// Toons of the 11 species built by the game's recipe: legs, torso (shorts or skirt) and head in their
// sizes, each a separately animated character attached joint to joint (legs' joint_hips carries the
// torso, the torso's def_head the head); body colours, white gloves, shirts, sleeves and bottoms drawn at
// random from what a player can pick; girls' eyelashes.
//
// Facts from the game's public code, open-toontown/open-toontown:
//   toontown/toon/ToonDNA.py    head types (species x head length x muzzle length; mice have long/short
//                               heads only), torso ('ss','ms','ls' shorts, 'sd','md','ld' skirt) and leg
//                               sizes, body colours (allColorsList, defaultBoyColorList), clothes
//   toontown/toon/Toon.py       LegDict, TorsoDict, the animation lists and their phases, parts attached at
//                               joint_hips and def_head, generateToonColor (arms, neck, legs, feet; hands =
//                               glove colour), generateToonClothes (torso-top, sleeves, torso-bot,
//                               torso-bot-cap at half the bottom colour), shoes and boots stashed
//   toontown/toon/ToonHead.py   HeadDict, the head-length/muzzle-length fixes (which nodes each head type
//                               removes), neutral muzzles only, head colour on head* (and ears for cats,
//                               rabbits, bears, mice and pigs), eyelashes for girls (open-long/open-short)
//   otp/otpbase/OTPGlobals.py   toonBodyScales, legHeightDict, torsoHeightDict, headHeightDict
// Deer and crocodile exist only in ToonTown Rewritten, whose code is not public: their node names come from
// its head models (deer: one head, antlers long/short, nose with the muzzle) and their body scale of 0.85
// is an assumption (the scale of the game's other large animals).
import type { AssetSource } from './assets.ts';
import { bakePart, poseModel, type PosedModel } from './model.ts';
import { multiply, scaling } from './mat4.ts';
import type { Part, PartState } from './scene.ts';
import { BOTTOM_STYLES, BOY_SHORTS, CLOTHES_COLORS, GIRL_BOTTOMS, SHIRTS, SHIRT_STYLES, SLEEVES } from './toon-clothes.ts';
import { ANIMALS } from '../taxonomy.ts';

export const TOON_SPECIES: string[] = [...ANIMALS];

type Size = 's' | 'm' | 'l';
type Rng = () => number;

/** OTPGlobals.toonBodyScales (deer and crocodile: assumed). */
const BODY_SCALE: Record<string, number> = {
  mouse: 0.6, cat: 0.73, duck: 0.66, rabbit: 0.74, horse: 0.85, dog: 0.85, monkey: 0.68, bear: 0.85, pig: 0.77,
  deer: 0.85, crocodile: 0.85,
};
const LEG_HEIGHT: Record<Size, number> = { s: 1.5, m: 2.0, l: 2.75 };
const TORSO_HEIGHT: Record<Size, number> = { s: 1.5, m: 1.75, l: 2.25 };

/** ToonDNA.allColorsList; Make-A-Toon offers indices 1..24 (defaultBoyColorList = defaultGirlColorList). */
const BODY_COLORS: [number, number, number][] = [
  [1.0, 1.0, 1.0], [0.96875, 0.691406, 0.699219], [0.933594, 0.265625, 0.28125], [0.863281, 0.40625, 0.417969],
  [0.710938, 0.234375, 0.4375], [0.570312, 0.449219, 0.164062], [0.640625, 0.355469, 0.269531], [0.996094, 0.695312, 0.511719],
  [0.832031, 0.5, 0.296875], [0.992188, 0.480469, 0.167969], [0.996094, 0.898438, 0.320312], [0.996094, 0.957031, 0.597656],
  [0.855469, 0.933594, 0.492188], [0.550781, 0.824219, 0.324219], [0.242188, 0.742188, 0.515625], [0.304688, 0.96875, 0.402344],
  [0.433594, 0.90625, 0.835938], [0.347656, 0.820312, 0.953125], [0.191406, 0.5625, 0.773438], [0.558594, 0.589844, 0.875],
  [0.285156, 0.328125, 0.726562], [0.460938, 0.378906, 0.824219], [0.546875, 0.28125, 0.75], [0.726562, 0.472656, 0.859375],
  [0.898438, 0.617188, 0.90625], [0.7, 0.7, 0.8], [0.3, 0.3, 0.35],
];

const SIZE_FILE: Record<Size, string> = { s: 'dgs', m: 'dgm', l: 'dgl' };

/** Toon.py's animation lists: name -> [file stem, phase]. */
const TOON_ANIMS: Record<string, [string, string]> = {
  neutral: ['neutral', '3'], run: ['run', '3'],
  walk: ['walk', '3.5'], teleport: ['teleport', '3.5'], book: ['book', '3.5'], jump: ['jump', '3.5'],
  'running-jump': ['running-jump', '3.5'], 'jump-squat': ['jump-zstart', '3.5'], 'jump-idle': ['jump-zhang', '3.5'],
  'jump-land': ['jump-zend', '3.5'], pushbutton: ['press-button', '3.5'], throw: ['pie-throw', '3.5'],
  victory: ['victory-dance', '3.5'], 'sidestep-left': ['sidestep-left', '3.5'], conked: ['conked', '3.5'],
  cringe: ['cringe', '3.5'], wave: ['wave', '3.5'], shrug: ['shrug', '3.5'], angry: ['angry', '3.5'],
  duck: ['duck', '3.5'], 'sidestep-right': ['jump-back-right', '3.5'],
  sit: ['sit', '4'], swim: ['swim', '4'], 'tug-o-war': ['tug-o-war', '4'], 'sad-walk': ['losewalk', '4'],
  'sad-neutral': ['sad-neutral', '4'], applause: ['applause', '4'], confused: ['confused', '4'], bow: ['bow', '4'],
  bored: ['bored', '4'], think: ['think', '4'], 'slip-forward': ['slip-forward', '4'], 'slip-backward': ['slip-backward', '4'],
  'catch-neutral': ['gameneutral', '4'], 'catch-run': ['gamerun', '4'], swing: ['swing', '4'],
};

/** Which dog head model each head type uses (ToonHead.HeadDict). */
const DOG_HEAD: Record<string, string> = { ls: 'dgm_shorts', ss: 'dgm_skirt', sl: 'dgs_shorts', ll: 'dgl_shorts' };

function legsPath(size: Size, anim?: string): string {
  return anim ? `phase_${TOON_ANIMS[anim][1]}/models/char/tt_a_chr_${SIZE_FILE[size]}_shorts_legs_${TOON_ANIMS[anim][0]}.bam`
    : `phase_3/models/char/tt_a_chr_${SIZE_FILE[size]}_shorts_legs_1000.bam`;
}
function torsoPath(size: Size, skirt: boolean, anim?: string): string {
  const kind = skirt ? 'skirt' : 'shorts';
  return anim ? `phase_${TOON_ANIMS[anim][1]}/models/char/tt_a_chr_${SIZE_FILE[size]}_${kind}_torso_${TOON_ANIMS[anim][0]}.bam`
    : `phase_3/models/char/tt_a_chr_${SIZE_FILE[size]}_${kind}_torso_1000.bam`;
}
function dogHeadPath(headType: string, anim?: string): string {
  const f = DOG_HEAD[headType];
  return anim ? `phase_${TOON_ANIMS[anim][1]}/models/char/tt_a_chr_${f}_head_${TOON_ANIMS[anim][0]}.bam`
    : `phase_3/models/char/tt_a_chr_${f}_head_1000.bam`;
}

/** Toon animations that every leg size, torso and dog head has in these assets. */
export function toonAnimations(assets: AssetSource): string[] {
  return Object.keys(TOON_ANIMS).filter((a) => (['s', 'm', 'l'] as Size[]).every((s) =>
    assets.has(legsPath(s, a)) && assets.has(torsoPath(s, false, a)) && assets.has(torsoPath(s, true, a)))
    && Object.keys(DOG_HEAD).every((h) => assets.has(dogHeadPath(h, a))));
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];

/** Head types a player can pick for a species: head length then muzzle (deer: antler) length. */
function headTypes(species: string): string[] {
  return species === 'mouse' ? ['ls', 'ss'] : ['ls', 'ss', 'sl', 'll'];
}

/** The head model's parts kept for a head type (ToonHead's fixHead* rules; muzzles: neutral only). */
function keepHeadPart(species: string, headType: string, name: string): boolean {
  if (/^muzzle.*-(surprise|sad|smile|angry|laugh)$/.test(name)) return false;
  if (species === 'dog') return true;
  const head = headType[0] === 'l' ? 'long' : 'short';
  const muzzle = headType[1] === 'l' ? 'long' : 'short';
  const other = (x: string): string => (x === 'long' ? 'short' : 'long');
  if (species === 'deer') {
    // one head; antlers by the first letter, muzzle and nose by the second
    if (/^antlers-/.test(name)) return name === `antlers-${head}`;
    if (/^(muzzle|nose)-/.test(name)) return name.startsWith(`muzzle-${muzzle}`) || name === `nose-${muzzle}`;
    return !name.includes('long');
  }
  if (headType === 'll') return !name.includes('short');
  if (headType === 'ss') return !name.includes('long');
  const h = head; // 'ls': long head, short muzzle; 'sl': short head, long muzzle
  if (name === `head-${other(h)}` || name === `head-front-${other(h)}`) return false;
  if (name.startsWith('ears-') && species !== 'duck' && species !== 'horse') {
    return species === 'rabbit' ? name !== `ears-${h}` : name !== `ears-${other(h)}`;
  }
  if (name === `eyes-${other(h)}` && species !== 'rabbit') return false;
  if (name === `joint_pupilL_${other(h)}` || name === `joint_pupilR_${other(h)}`) return false;
  if (name.startsWith('muzzle-')) {
    const drop = species === 'rabbit' ? other(other(muzzle)) : other(muzzle);
    return !name.startsWith(`muzzle-${drop}`);
  }
  return true;
}

export interface ToonParts {
  parts: Part[];
  headParts: Part[];
  height: number;
  looks: Record<string, string | number>;
}

/**
 * The game draws eyes in front of the head's face and pupils in front of the eyes (ToonHead.drawInFront,
 * decals on the same surface); static meshes get the same order by a small step along their normals.
 */
function drawInFront(p: Part, step: number): Part {
  if (!p.normals) return p;
  const positions = Float32Array.from(p.positions);
  for (let i = 0; i < positions.length; i++) positions[i] += p.normals[i] * step;
  return { ...p, positions };
}
const EYE_STEP = 0.006;

function withColor(p: Part, rgb: readonly number[]): Part {
  const state: PartState = { ...p.state, flatColor: [rgb[0], rgb[1], rgb[2], 1], vertexColor: false };
  return { ...p, state };
}
function withTexture(p: Part, file: string): Part {
  return { ...p, state: { ...p.state, texture: { file: `${file}.jpg`, alphaFile: '', model: '' } } };
}

/** Builds a Toon's posed parts (game frame, scaled) with looks drawn from `rng`. */
export async function toonParts(assets: AssetSource, species: string, animation = 'neutral', frame = 0, rng: Rng): Promise<ToonParts> {
  if (!TOON_SPECIES.includes(species)) throw new Error(`unknown Toon species '${species}' (expected one of ${TOON_SPECIES.join(', ')})`);
  if (!TOON_ANIMS[animation]) throw new Error(`unknown Toon animation '${animation}' (known: ${Object.keys(TOON_ANIMS).join(', ')})`);
  const gender = rng() < 0.5 ? 'm' : 'f';
  const headType = pick(rng, headTypes(species));
  const torsoSize = pick(rng, ['s', 'm', 'l'] as Size[]);
  const legSize = pick(rng, ['s', 'm', 'l'] as Size[]);
  // Clothes: a shirt style for the gender (boys' 'bss', girls' 'gss', or one for both), then a bottom.
  const shirtStyles = Object.keys(SHIRT_STYLES).filter((k) => !(gender === 'm' ? /gss/ : /bss/).test(k)
    && assets.resolveImage(`${SHIRTS[SHIRT_STYLES[k][0]]}.jpg`) && assets.resolveImage(`${SLEEVES[SHIRT_STYLES[k][1]]}.jpg`));
  const shirtStyle = pick(rng, shirtStyles);
  const [shirtIdx, sleeveIdx, shirtColors] = SHIRT_STYLES[shirtStyle];
  const [shirtColor, sleeveColor] = pick(rng, shirtColors);
  const girlsBottom = (k: string): boolean => /(^|_)g/.test(k); // 'gsk1', 'c_gsk2', 'hw_gs1' are girls'
  const bottomStyles = Object.keys(BOTTOM_STYLES).filter((k) => {
    const girls = girlsBottom(k);
    if ((gender === 'f') !== girls) return false;
    const tex = girls ? GIRL_BOTTOMS[BOTTOM_STYLES[k][0]]?.[0] : BOY_SHORTS[BOTTOM_STYLES[k][0]];
    return !!tex && !!assets.resolveImage(`${tex}.jpg`);
  });
  const bottomStyle = pick(rng, bottomStyles);
  const [bottomIdx, bottomColors] = BOTTOM_STYLES[bottomStyle];
  const bottomColorIdx = pick(rng, bottomColors);
  const bottomTex = gender === 'f' ? GIRL_BOTTOMS[bottomIdx][0] : BOY_SHORTS[bottomIdx];
  const skirt = gender === 'f' && GIRL_BOTTOMS[bottomIdx][1] === 1;
  // Body colours: one colour for all (as Make-A-Toon starts), or arms and legs chosen apart.
  const headColor = Math.floor(rng() * 24) + 1;
  const same = rng() < 0.75;
  const armColor = same ? headColor : Math.floor(rng() * 24) + 1;
  const legColor = same ? headColor : Math.floor(rng() * 24) + 1;

  const bodyScale = BODY_SCALE[species];
  const legs = await poseModel(assets, legsPath(legSize), legsPath(legSize, animation), frame);
  const torso = await poseModel(assets, torsoPath(torsoSize, skirt), torsoPath(torsoSize, skirt, animation), frame);
  let head: PosedModel;
  let headPath: string;
  if (species === 'dog') {
    headPath = dogHeadPath(headType);
    head = await poseModel(assets, headPath, dogHeadPath(headType, animation), frame);
  } else {
    headPath = `phase_3/models/char/${species}-heads-1000.bam`;
    if (!assets.has(headPath)) throw new Error(`${species} heads need ${headPath}, not found in ${assets.roots.join(', ')}`);
    head = await poseModel(assets, headPath);
  }
  const hips = legs.joint('joint_hips');
  const neck = torso.joint('def_head') ?? torso.joint('joint_head');
  if (!hips) throw new Error(`${legs.path} has no joint_hips to carry the torso`);
  if (!neck) throw new Error(`${torso.path} has no def_head or joint_head to carry the head`);

  const color = (i: number): readonly number[] => BODY_COLORS[i];
  const clothesColor = (i: number): readonly number[] => CLOTHES_COLORS[i] ?? CLOTHES_COLORS[0];
  const legParts = legs.parts.filter((p) => !['shoes', 'boots_short', 'boots_long'].includes(p.name))
    .map((p) => (p.name === 'legs' || p.name === 'feet' ? withColor(p, color(legColor)) : p));
  const torsoParts = torso.parts.map((p) => {
    if (p.name === 'arms' || p.name === 'neck') return withColor(p, color(armColor));
    if (p.name === 'hands') return withColor(p, BODY_COLORS[0]); // white gloves
    if (p.name === 'torso-top') return withColor(withTexture(p, SHIRTS[shirtIdx]), clothesColor(shirtColor));
    if (p.name === 'sleeves') return withColor(withTexture(p, SLEEVES[sleeveIdx]), clothesColor(sleeveColor));
    if (p.name === 'torso-bot') return withColor(withTexture(p, bottomTex), clothesColor(bottomColorIdx));
    if (p.name === 'torso-bot-cap') return withColor(p, clothesColor(bottomColorIdx).map((c) => c * 0.5));
    return p;
  });
  const earsColoured = ['cat', 'rabbit', 'bear', 'mouse', 'pig', 'deer', 'crocodile'].includes(species);
  let headParts = head.parts.filter((p) => keepHeadPart(species, headType, p.path[p.path.length - 1] ?? p.name))
    .map((p) => (/^head/.test(p.name) || (earsColoured && /^ears?-/.test(p.name)) ? withColor(p, color(headColor)) : p))
    .map((p) => {
      const name = p.path[p.path.length - 1] ?? p.name;
      if (/^eyes/.test(name)) return drawInFront(p, EYE_STEP);
      if (/pupil/.test(p.path.join('/'))) return drawInFront(p, 2 * EYE_STEP);
      return p;
    });
  if (gender === 'f') {
    const lashes = `phase_3/models/char/${species}-lashes.bam`;
    if (assets.has(lashes)) {
      const lashModel = await poseModel(assets, lashes);
      const want = species === 'deer' ? 'open-short' : headType[0] === 'l' ? 'open-long' : 'open-short';
      headParts = headParts.concat(lashModel.parts.filter((p) => p.name === want));
    }
  }
  const s = scaling(bodyScale);
  const torsoAt = multiply(hips, s);
  const headAt = multiply(multiply(neck, hips), s);
  const placedHead = headParts.map((p) => bakePart(p, headAt));
  const parts = [...legParts.map((p) => bakePart(p, s)), ...torsoParts.map((p) => bakePart(p, torsoAt)), ...placedHead];
  const headHeight = headType[0] === 'l' ? 0.75 : 0.5;
  const height = (LEG_HEIGHT[legSize] + TORSO_HEIGHT[torsoSize]) * bodyScale + headHeight;
  return {
    parts, headParts: placedHead, height,
    looks: {
      gender, head: headType, torso: `${torsoSize}${skirt ? 'd' : 's'}`, legs: legSize, headColor, armColor, legColor,
      shirt: shirtStyle, bottom: bottomStyle, shirtColor, sleeveColor, bottomColor: bottomColorIdx,
    },
  };
}
