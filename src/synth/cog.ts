// Cog sprites: a business suit in the department's colour (Bossbot brown, Lawbot blue, Cashbot
// green, Sellbot maroon) on one of three bodies (A tall and thin, B medium, C short and fat), and a
// head that tells the Cog's name: its shape, size and colour, hair, hat, glasses, mouth and props.
import type { Suit } from '../taxonomy.ts';
import { SUIT_COLOURS } from '../taxonomy.ts';
import { jitter, mix, shade } from './colour.ts';
import type { Rng } from './rng.ts';
import { blobPath, f, limbEnd } from './svg.ts';
import type { Pose } from './toon.ts';

type Body = 'A' | 'B' | 'C';
type Hair = 'none' | 'tuft' | 'combover' | 'slick' | 'spiky' | 'widow' | 'wig' | 'mohawk' | 'sides' | 'pompadour';
type Hat = 'none' | 'top' | 'cone' | 'visor' | 'cheese' | 'siren' | 'bowler' | 'headset';
type Glasses = 'none' | 'round' | 'square' | 'mono' | 'shades';
type Mouth = 'smile' | 'frown' | 'grin' | 'flat' | 'fangs' | 'open' | 'smirk' | 'double' | 'fish' | 'beak' | 'shark';
type Nose = 'none' | 'small' | 'big' | 'long' | 'mustache';
type Extra = 'pencil' | 'cigar' | 'fin' | 'spiral' | 'dollar' | 'twoface' | 'bulge' | 'ears' | 'brows' | 'freckles' | 'calc' | 'knot' | 'jowls' | 'redeyes';

interface CogDesign {
  body: Body;
  /** overall height factor */
  height: number;
  /** head width and height in units, and the outline: squareness n, width at top and bottom */
  w: number;
  h: number;
  n: number;
  top: number;
  bottom: number;
  skin: string;
  hairColour?: string;
  hair: Hair;
  hat: Hat;
  glasses: Glasses;
  mouth: Mouth;
  nose: Nose;
  extras: Extra[];
  tie: string;
  hands: string;
}

const D = (body: Body, height: number, w: number, h: number, n: number, top: number, bottom: number, skin: string,
  hair: Hair, hat: Hat, glasses: Glasses, mouth: Mouth, nose: Nose, extras: Extra[], tie: string, hands: string, hairColour?: string): CogDesign =>
  ({ body, height, w, h, n, top, bottom, skin, hair, hat, glasses, mouth, nose, extras, tie, hands, hairColour });

/** One design per Cog name: distinct enough per name to be learnt from a crop. */
export const COG_DESIGNS: Record<string, CogDesign> = {
  // Bossbots
  flunky: D('C', 0.8, 46, 44, 2, 1, 1, '#f2c9a0', 'tuft', 'none', 'round', 'smile', 'small', [], '#3a6ad0', '#f0b890', '#6a4a2a'),
  pencilpusher: D('B', 0.95, 40, 58, 2.2, 1, 0.9, '#f5d3b5', 'combover', 'none', 'square', 'flat', 'small', ['pencil'], '#c03030', '#e8c0a0', '#3a2a1a'),
  yesman: D('A', 1.0, 44, 54, 2, 1.05, 0.75, '#e9b890', 'spiky', 'none', 'none', 'grin', 'big', ['brows'], '#f0c020', '#e0a880', '#202020'),
  micromanager: D('C', 0.7, 62, 56, 2, 1, 0.95, '#f7d6c0', 'none', 'none', 'round', 'open', 'small', ['ears'], '#2a8a2a', '#f0c8b0'),
  downsizer: D('B', 1.0, 60, 36, 2.6, 1, 1, '#d9a27a', 'none', 'none', 'none', 'frown', 'big', ['brows', 'jowls'], '#6a2a8a', '#c89070'),
  headhunter: D('A', 1.1, 48, 52, 4, 1, 0.95, '#c98e6a', 'slick', 'none', 'none', 'smirk', 'small', ['brows'], '#202020', '#b07a5a', '#151515'),
  corporateraider: D('C', 1.0, 68, 52, 2.2, 0.8, 1.15, '#b7c7a0', 'none', 'none', 'none', 'fangs', 'big', ['ears', 'brows'], '#a02020', '#a0b090'),
  thebigcheese: D('A', 1.2, 54, 52, 2, 1, 1, '#f0c090', 'sides', 'cheese', 'none', 'grin', 'big', ['cigar'], '#f0d020', '#e8b080', '#8a8a8a'),
  // Lawbots
  bottomfeeder: D('C', 0.8, 60, 38, 2.2, 0.85, 1, '#8fb8a8', 'none', 'none', 'none', 'fish', 'none', ['bulge'], '#2aa0a0', '#80a898'),
  bloodsucker: D('B', 1.1, 40, 58, 2.2, 1, 0.8, '#f4f4f0', 'widow', 'none', 'none', 'fangs', 'small', ['redeyes', 'brows'], '#901020', '#e0e0e0', '#101010'),
  doubletalker: D('A', 1.0, 48, 52, 4.5, 1, 1, '#e8c0a0', 'sides', 'none', 'none', 'double', 'small', [], '#d08020', '#d8b090', '#b0b0b0'),
  ambulancechaser: D('B', 1.0, 46, 54, 2, 1.05, 0.8, '#efc8a8', 'tuft', 'siren', 'none', 'smile', 'long', [], '#e02020', '#e0b898', '#8a5a2a'),
  backstabber: D('A', 1.05, 48, 62, 2.4, 1.05, 0.25, '#d8b090', 'none', 'none', 'none', 'smirk', 'small', ['brows'], '#303060', '#c8a080'),
  spindoctor: D('B', 1.05, 50, 50, 2, 1, 1, '#cfa8d0', 'none', 'none', 'none', 'flat', 'small', ['spiral'], '#8040c0', '#c0a0c8'),
  legaleagle: D('A', 1.15, 46, 50, 2, 0.95, 0.9, '#f2eee0', 'none', 'none', 'none', 'beak', 'none', ['brows'], '#c8a020', '#e8e0c8'),
  bigwig: D('C', 1.1, 52, 50, 2, 1, 1, '#f0c8a8', 'wig', 'none', 'none', 'frown', 'big', [], '#602080', '#e0b898', '#f4f4f4'),
  // Cashbots
  shortchange: D('C', 0.72, 42, 40, 2, 1, 1, '#f2c8a8', 'spiky', 'none', 'none', 'smile', 'small', ['freckles'], '#20a060', '#e8b898', '#d06020'),
  pennypincher: D('A', 0.9, 36, 54, 2, 1, 0.85, '#e0d0b0', 'none', 'none', 'mono', 'flat', 'mustache', [], '#406040', '#d0c0a0'),
  tightwad: D('C', 0.86, 50, 46, 3.5, 1, 1, '#d8a070', 'combover', 'none', 'none', 'frown', 'small', ['brows'], '#806020', '#c89060', '#909090'),
  beancounter: D('B', 0.95, 46, 56, 2, 0.85, 1.05, '#e8d4a8', 'none', 'visor', 'square', 'smile', 'small', [], '#20a040', '#e0c898'),
  numbercruncher: D('A', 1.05, 52, 52, 7, 1, 1, '#c4c6d0', 'none', 'none', 'shades', 'flat', 'none', ['calc'], '#2060c0', '#b0b4c0'),
  moneybags: D('C', 1.05, 58, 56, 2, 0.7, 1.1, '#d8c090', 'none', 'none', 'none', 'grin', 'small', ['dollar', 'knot'], '#f0c020', '#c8b080'),
  loanshark: D('B', 1.15, 50, 64, 2, 0.5, 1.05, '#7f95a8', 'none', 'none', 'none', 'shark', 'none', ['fin'], '#20c0c0', '#7088a0'),
  robberbaron: D('A', 1.2, 48, 50, 2, 1, 1, '#f0c8a0', 'none', 'top', 'mono', 'smirk', 'mustache', [], '#c02020', '#e8c0a0'),
  // Sellbots
  coldcaller: D('C', 0.8, 44, 48, 2.6, 1, 1, '#4a7cd8', 'none', 'none', 'none', 'frown', 'small', [], '#30a0e0', '#7098e0'),
  telemarketer: D('B', 1.0, 38, 64, 2, 0.55, 1, '#f0c8a8', 'none', 'headset', 'none', 'smile', 'small', [], '#f08020', '#e8c0a0'),
  namedropper: D('A', 0.95, 44, 56, 2, 1.05, 0.8, '#efc0a0', 'combover', 'none', 'round', 'smile', 'big', [], '#20a0a0', '#e0b090', '#705030'),
  gladhander: D('B', 1.0, 56, 48, 2.2, 1, 1, '#f2b890', 'slick', 'none', 'none', 'grin', 'small', ['brows'], '#e0c020', '#e8a880', '#6a3a1a'),
  movershaker: D('C', 1.0, 52, 52, 2, 0.9, 1.1, '#e0a880', 'mohawk', 'none', 'none', 'open', 'big', [], '#2040a0', '#d09870', '#202020'),
  twoface: D('A', 1.05, 46, 54, 2.2, 1, 1, '#f0d0b0', 'none', 'none', 'none', 'smile', 'small', ['twoface'], '#e0e0e0', '#e0c0a0'),
  themingler: D('B', 1.05, 48, 52, 2, 1, 0.95, '#f0c8a0', 'pompadour', 'bowler', 'none', 'smirk', 'small', [], '#d02080', '#e8c0a0', '#202020'),
  mrhollywood: D('A', 1.22, 42, 60, 2.3, 1, 0.85, '#e8b090', 'pompadour', 'none', 'shades', 'grin', 'small', [], '#f0f0f0', '#e0a880', '#2a1a0a'),
};

export interface CogSpec {
  suit: Suit;
  name: string;
  design: CogDesign;
  suitColour: string;
  skin: string;
  tie: string;
  /** extra size variation of the whole body */
  size: number;
  /** A real in-game head render (data: URI) drawn instead of the vector head, seen from the front or side. */
  headImage?: string;
}

export function randomCog(rng: Rng, suit: Suit, name: string): CogSpec {
  const design = COG_DESIGNS[name];
  if (!design) throw new Error(`synth: no Cog design for '${name}'`);
  const rand = () => rng.next();
  // suits vary in shade and a little in hue, so that a colour lookup alone is not enough
  const suitColour = shade(jitter(SUIT_COLOURS[suit], 14, rand), rng.range(0.78, 1.18));
  return {
    suit,
    name,
    design,
    suitColour,
    skin: jitter(design.skin, 10, rand),
    tie: jitter(design.tie, 12, rand),
    size: rng.range(0.95, 1.05),
  };
}

/** Unit-space bounds every Cog fits in (feet at y = 0). */
export const COG_BOUNDS = { x0: -120, x1: 120, y0: -360, y1: 8 };

const BODY = {
  A: { leg: 74, torso: 66, shoulder: 50, waist: 40, legW: 15, arm: 62 },
  B: { leg: 58, torso: 62, shoulder: 60, waist: 58, legW: 18, arm: 58 },
  C: { leg: 40, torso: 64, shoulder: 66, waist: 82, legW: 21, arm: 52 },
};

function hairSvg(d: CogDesign, w: number, h: number, view: Pose['view'], colour: string): string {
  const side = view === 'left' || view === 'right';
  const back = view === 'back';
  const t = -h / 2;
  const c = colour;
  const dk = shade(c, 0.7);
  switch (d.hair) {
    case 'tuft':
      return `<path d="M${f(-w * 0.1)},${f(t + 2)} q${f(-w * 0.05)},${f(-h * 0.2)} ${f(-w * 0.15)},${f(-h * 0.16)} M0,${f(t + 1)} q0,${f(-h * 0.22)} ${f(w * 0.06)},${f(-h * 0.22)} M${f(w * 0.08)},${f(t + 2)} q${f(w * 0.08)},${f(-h * 0.18)} ${f(w * 0.18)},${f(-h * 0.12)}" fill="none" stroke="${c}" stroke-width="3" stroke-linecap="round"/>`;
    case 'combover':
      return `<path d="M${f(-w * 0.48)},${f(t + h * 0.3)} Q${f(-w * 0.45)},${f(t - h * 0.06)} ${f(w * 0.1)},${f(t - h * 0.02)} Q${f(w * 0.45)},${f(t + h * 0.02)} ${f(w * 0.48)},${f(t + h * 0.22)} Q${f(w * 0.1)},${f(t + h * 0.05)} ${f(-w * 0.3)},${f(t + h * 0.2)} Z" fill="${c}"/>`;
    case 'slick':
      return `<path d="M${f(-w * 0.5)},${f(t + h * (back ? 0.6 : 0.35))} Q${f(-w * 0.5)},${f(t - h * 0.08)} 0,${f(t - h * 0.06)} Q${f(w * 0.5)},${f(t - h * 0.08)} ${f(w * 0.5)},${f(t + h * (back ? 0.6 : 0.35))} Q${f(w * 0.1)},${f(t + h * 0.14)} ${f(-w * 0.5)},${f(t + h * 0.35)} Z" fill="${c}"/><path d="M${f(-w * 0.25)},${f(t + h * 0.04)} Q0,${f(t - h * 0.02)} ${f(w * 0.2)},${f(t + h * 0.05)}" fill="none" stroke="${mix(c, '#ffffff', 0.4)}" stroke-width="2"/>`;
    case 'widow':
      return `<path d="M${f(-w * 0.52)},${f(t + h * (back ? 0.7 : 0.45))} Q${f(-w * 0.55)},${f(t - h * 0.1)} 0,${f(t - h * 0.08)} Q${f(w * 0.55)},${f(t - h * 0.1)} ${f(w * 0.52)},${f(t + h * (back ? 0.7 : 0.45))} L${f(w * 0.3)},${f(t + h * 0.15)} L0,${f(t + h * (back ? 0.2 : 0.32))} L${f(-w * 0.3)},${f(t + h * 0.15)} Z" fill="${c}"/>`;
    case 'wig': {
      let s = '';
      const pts: [number, number][] = [];
      for (let i = 0; i <= 10; i++) {
        const a = Math.PI * (1.05 - i * 0.11);
        pts.push([Math.cos(a) * w * 0.62, t + h * 0.5 - Math.sin(a) * h * 0.62]);
      }
      pts.push([-w * 0.62, t + h * 0.75], [w * 0.62, t + h * 0.75], [-w * 0.6, t + h * 0.98], [w * 0.6, t + h * 0.98]);
      for (const [x, y] of pts) s += `<circle cx="${f(x)}" cy="${f(y)}" r="${f(w * 0.16)}" fill="${c}" stroke="${shade(c, 0.8)}" stroke-width="1.2"/>`;
      return s;
    }
    case 'spiky': {
      let d2 = `M${f(-w * 0.45)},${f(t + h * 0.2)}`;
      for (let i = 0; i < 6; i++) d2 += ` L${f(-w * 0.45 + (w * 0.9 * (i + 0.5)) / 6)},${f(t - h * 0.18)} L${f(-w * 0.45 + (w * 0.9 * (i + 1)) / 6)},${f(t + h * 0.08)}`;
      d2 += ` L${f(w * 0.45)},${f(t + h * 0.2)} Z`;
      return `<path d="${d2}" fill="${c}"/>`;
    }
    case 'mohawk': {
      let d2 = `M${f(-w * 0.1)},${f(t + h * 0.1)}`;
      for (let i = 0; i < 4; i++) d2 += ` L${f(-w * 0.16 + i * w * 0.05)},${f(t - h * (0.3 - i * 0.02))} L${f(-w * 0.08 + i * w * 0.06)},${f(t)}`;
      d2 += ` L${f(w * 0.12)},${f(t + h * 0.1)} Z`;
      return `<path d="${d2}" fill="${c}" stroke="${dk}" stroke-width="1"/>`;
    }
    case 'sides':
      return side
        ? `<ellipse cx="${f(-w * 0.3)}" cy="${f(-h * 0.05)}" rx="${f(w * 0.18)}" ry="${f(h * 0.2)}" fill="${c}"/>`
        : `<ellipse cx="${f(-w * 0.47)}" cy="${f(-h * 0.08)}" rx="${f(w * 0.1)}" ry="${f(h * 0.2)}" fill="${c}"/><ellipse cx="${f(w * 0.47)}" cy="${f(-h * 0.08)}" rx="${f(w * 0.1)}" ry="${f(h * 0.2)}" fill="${c}"/>`;
    case 'pompadour':
      return `<path d="M${f(-w * 0.5)},${f(t + h * 0.35)} Q${f(-w * 0.6)},${f(t - h * 0.3)} ${f(w * 0.1)},${f(t - h * 0.3)} Q${f(w * 0.7)},${f(t - h * 0.28)} ${f(w * 0.5)},${f(t + h * 0.35)} Q${f(w * 0.3)},${f(t + h * 0.05)} ${f(-w * 0.5)},${f(t + h * 0.35)} Z" fill="${c}"/><path d="M${f(-w * 0.2)},${f(t - h * 0.15)} Q${f(w * 0.2)},${f(t - h * 0.28)} ${f(w * 0.4)},${f(t)}" fill="none" stroke="${mix(c, '#ffffff', 0.35)}" stroke-width="2"/>`;
    default:
      return '';
  }
}

function hatSvg(d: CogDesign, w: number, h: number, view: Pose['view']): string {
  const t = -h / 2;
  const side = view === 'left' || view === 'right';
  switch (d.hat) {
    case 'top':
      return `<rect x="${f(-w * 0.6)}" y="${f(t + h * 0.02)}" width="${f(w * 1.2)}" height="${f(h * 0.1)}" rx="3" fill="#151515"/><rect x="${f(-w * 0.36)}" y="${f(t - h * 0.62)}" width="${f(w * 0.72)}" height="${f(h * 0.68)}" rx="3" fill="#1a1a1a"/><rect x="${f(-w * 0.36)}" y="${f(t - h * 0.1)}" width="${f(w * 0.72)}" height="${f(h * 0.1)}" fill="#a02020"/>`;
    case 'cone':
      return `<path d="M${f(-w * 0.3)},${f(t + 4)} L0,${f(t - h * 0.8)} L${f(w * 0.3)},${f(t + 4)} Z" fill="#303030"/>`;
    case 'visor':
      return `<path d="M${f(-w * 0.52)},${f(t + h * 0.22)} Q0,${f(t + h * 0.05)} ${f(w * 0.52)},${f(t + h * 0.22)} L${f(side ? w * 0.85 : w * 0.45)},${f(t + h * 0.38)} Q0,${f(t + h * 0.3)} ${f(side ? -w * 0.4 : -w * 0.45)},${f(t + h * 0.38)} Z" fill="#30b050" opacity="0.9" stroke="#207030" stroke-width="1.5"/>`;
    case 'cheese':
      return `<path d="M${f(-w * 0.55)},${f(t + h * 0.12)} L${f(w * 0.55)},${f(t + h * 0.12)} L${f(w * 0.35)},${f(t - h * 0.45)} Z" fill="#f8d838" stroke="#c0a020" stroke-width="2"/><circle cx="${f(w * 0.1)}" cy="${f(t - h * 0.05)}" r="${f(w * 0.07)}" fill="#d8b020"/><circle cx="${f(-w * 0.22)}" cy="${f(t + h * 0.05)}" r="${f(w * 0.05)}" fill="#d8b020"/><circle cx="${f(w * 0.33)}" cy="${f(t - h * 0.22)}" r="${f(w * 0.045)}" fill="#d8b020"/>`;
    case 'siren':
      return `<rect x="${f(-w * 0.2)}" y="${f(t - h * 0.04)}" width="${f(w * 0.4)}" height="${f(h * 0.08)}" fill="#707070"/><path d="M${f(-w * 0.16)},${f(t - h * 0.03)} Q${f(-w * 0.16)},${f(t - h * 0.35)} 0,${f(t - h * 0.35)} Q${f(w * 0.16)},${f(t - h * 0.35)} ${f(w * 0.16)},${f(t - h * 0.03)} Z" fill="#f02020" stroke="#901010" stroke-width="1.5"/><ellipse cx="${f(-w * 0.05)}" cy="${f(t - h * 0.2)}" rx="${f(w * 0.04)}" ry="${f(h * 0.07)}" fill="#ffb0b0"/>`;
    case 'bowler':
      return `<ellipse cx="0" cy="${f(t + h * 0.08)}" rx="${f(w * 0.62)}" ry="${f(h * 0.07)}" fill="#3a2a20"/><path d="M${f(-w * 0.4)},${f(t + h * 0.08)} Q${f(-w * 0.42)},${f(t - h * 0.38)} 0,${f(t - h * 0.38)} Q${f(w * 0.42)},${f(t - h * 0.38)} ${f(w * 0.4)},${f(t + h * 0.08)} Z" fill="#4a3a2a"/>`;
    case 'headset':
      return side
        ? `<path d="M${f(-w * 0.1)},${f(t - 2)} Q${f(w * 0.1)},${f(t - 4)} ${f(w * 0.1)},${f(0)}" fill="none" stroke="#202020" stroke-width="3"/><circle cx="${f(w * 0.08)}" cy="${f(0)}" r="${f(w * 0.14)}" fill="#303030"/><path d="M${f(w * 0.1)},${f(h * 0.05)} Q${f(w * 0.4)},${f(h * 0.3)} ${f(w * 0.6)},${f(h * 0.2)}" fill="none" stroke="#202020" stroke-width="2.5"/><circle cx="${f(w * 0.6)}" cy="${f(h * 0.2)}" r="3" fill="#303030"/>`
        : `<path d="M${f(-w * 0.52)},${f(0)} Q${f(-w * 0.55)},${f(t - h * 0.08)} 0,${f(t - h * 0.08)} Q${f(w * 0.55)},${f(t - h * 0.08)} ${f(w * 0.52)},${f(0)}" fill="none" stroke="#202020" stroke-width="3"/><rect x="${f(-w * 0.62)}" y="${f(-h * 0.1)}" width="${f(w * 0.16)}" height="${f(h * 0.22)}" rx="3" fill="#303030"/><rect x="${f(w * 0.46)}" y="${f(-h * 0.1)}" width="${f(w * 0.16)}" height="${f(h * 0.22)}" rx="3" fill="#303030"/>${view === 'back' ? '' : `<path d="M${f(-w * 0.54)},${f(h * 0.1)} Q${f(-w * 0.4)},${f(h * 0.32)} ${f(-w * 0.12)},${f(h * 0.28)}" fill="none" stroke="#202020" stroke-width="2.5"/><circle cx="${f(-w * 0.12)}" cy="${f(h * 0.28)}" r="3" fill="#303030"/>`}`;
    default:
      return '';
  }
}

/** The head, centred on the origin, w x h units. Face details are skipped from the back, shifted towards +x from the side. */
function cogHead(spec: CogSpec, view: Pose['view']): string {
  const d = spec.design;
  const { w, h } = d;
  const side = view === 'left' || view === 'right';
  const back = view === 'back';
  const skin = spec.skin;
  const dark = shade(skin, 0.6);
  const hairColour = d.hairColour ?? '#303030';
  const ex = (e: Extra) => d.extras.includes(e);
  const sw = f(1.6);
  const fx = side ? w * 0.24 : 0; // where the face is centred
  let out = '';
  // behind the head
  if (ex('fin')) out += `<path d="M${f(side ? -w * 0.35 : -w * 0.08)},${f(-h * 0.3)} L${f(side ? -w * 0.55 : 0)},${f(-h * 0.85)} L${f(side ? -w * 0.05 : w * 0.12)},${f(-h * 0.35)} Z" fill="${shade(skin, 0.85)}" stroke="${dark}" stroke-width="${sw}"/>`;
  if (ex('ears')) {
    out += side
      ? `<ellipse cx="${f(-w * 0.05)}" cy="0" rx="${f(w * 0.1)}" ry="${f(h * 0.16)}" fill="${skin}" stroke="${dark}" stroke-width="${sw}"/>`
      : `<ellipse cx="${f(-w * 0.5)}" cy="0" rx="${f(w * 0.12)}" ry="${f(h * 0.16)}" fill="${skin}" stroke="${dark}" stroke-width="${sw}"/><ellipse cx="${f(w * 0.5)}" cy="0" rx="${f(w * 0.12)}" ry="${f(h * 0.16)}" fill="${skin}" stroke="${dark}" stroke-width="${sw}"/>`;
  }
  if (d.hair === 'wig') out += hairSvg(d, w, h, view, hairColour);
  // the head itself
  const outline = blobPath(side ? w * 0.04 : 0, 0, side ? w * 0.92 : w, h, d.n, d.top, d.bottom);
  out += `<path d="${outline}" fill="${skin}" stroke="${dark}" stroke-width="${sw}"/>`;
  if (ex('twoface') && !back) {
    out += `<clipPath id="tf${spec.name}${view}"><rect x="${f(fx)}" y="${f(-h)}" width="${f(w)}" height="${f(2 * h)}"/></clipPath><path d="${outline}" clip-path="url(#tf${spec.name}${view})" fill="${shade(skin, 0.62)}"/>`;
  }
  if (ex('knot')) {
    out += `<path d="M${f(-w * 0.2)},${f(-h * 0.5)} L${f(-w * 0.32)},${f(-h * 0.72)} L${f(w * 0.32)},${f(-h * 0.72)} L${f(w * 0.2)},${f(-h * 0.5)} Z" fill="${skin}" stroke="${dark}" stroke-width="${sw}"/><rect x="${f(-w * 0.24)}" y="${f(-h * 0.55)}" width="${f(w * 0.48)}" height="${f(h * 0.07)}" fill="#8a5a2a"/>`;
  }
  if (ex('dollar') && !side) out += `<text x="${f(back ? 0 : w * 0.24)}" y="${f(h * 0.36)}" font-family="DejaVu Sans" font-weight="bold" font-size="${f(h * 0.3)}" text-anchor="middle" fill="#3a8a3a">$</text>`;
  if (ex('jowls') && !back) out += `<path d="M${f(fx - w * 0.42)},${f(h * 0.15)} Q${f(fx - w * 0.3)},${f(h * 0.45)} ${f(fx - w * 0.1)},${f(h * 0.35)} M${f(fx + w * 0.42)},${f(h * 0.15)} Q${f(fx + w * 0.3)},${f(h * 0.45)} ${f(fx + w * 0.1)},${f(h * 0.35)}" fill="none" stroke="${dark}" stroke-width="${sw}"/>`;
  if (d.hair !== 'wig') out += hairSvg(d, w, h, view, hairColour);
  if (!back) {
    // eyes
    const ey = -h * 0.08;
    const eye = (x: number, big = 1) => {
      const red = ex('redeyes');
      return `<ellipse cx="${f(x)}" cy="${f(ey)}" rx="${f(w * 0.085 * big)}" ry="${f(h * 0.07 * big)}" fill="#ffffff" stroke="${red ? '#c02020' : '#303030'}" stroke-width="1.2"/><circle cx="${f(x + (side ? w * 0.03 : 0))}" cy="${f(ey + 1)}" r="${f(w * 0.04 * big)}" fill="#151515"/>`;
    };
    if (ex('bulge')) {
      out += side ? eye(w * 0.3, 1.6) : eye(-w * 0.42, 1.5) + eye(w * 0.42, 1.5);
    } else if (d.glasses !== 'shades') {
      out += side ? eye(fx + w * 0.12) : eye(-w * 0.19) + eye(w * 0.19);
    }
    if (ex('spiral')) {
      let sp = '';
      for (let i = 0; i < 40; i++) {
        const a = i * 0.45;
        const r = (i / 40) * Math.min(w, h) * 0.42;
        sp += `${i ? 'L' : 'M'}${f(fx + Math.cos(a) * r)},${f(h * 0.05 + Math.sin(a) * r)}`;
      }
      out += `<path d="${sp}" fill="none" stroke="#602080" stroke-width="2.2"/>`;
    }
    if (ex('brows')) {
      const by = ey - h * 0.12;
      out += side
        ? `<line x1="${f(fx + w * 0.02)}" y1="${f(by - 2)}" x2="${f(fx + w * 0.24)}" y2="${f(by + 2)}" stroke="#202020" stroke-width="3" stroke-linecap="round"/>`
        : `<line x1="${f(-w * 0.3)}" y1="${f(by - 2)}" x2="${f(-w * 0.08)}" y2="${f(by + 2)}" stroke="#202020" stroke-width="3" stroke-linecap="round"/><line x1="${f(w * 0.3)}" y1="${f(by - 2)}" x2="${f(w * 0.08)}" y2="${f(by + 2)}" stroke="#202020" stroke-width="3" stroke-linecap="round"/>`;
    }
    // glasses
    const gl = (x: number) => d.glasses === 'round'
      ? `<circle cx="${f(x)}" cy="${f(ey)}" r="${f(w * 0.13)}" fill="none" stroke="#202020" stroke-width="2.2"/>`
      : `<rect x="${f(x - w * 0.13)}" y="${f(ey - h * 0.09)}" width="${f(w * 0.26)}" height="${f(h * 0.18)}" rx="2" fill="none" stroke="#202020" stroke-width="2.2"/>`;
    if (d.glasses === 'round' || d.glasses === 'square') {
      out += side ? gl(fx + w * 0.12) : gl(-w * 0.19) + gl(w * 0.19) + `<line x1="${f(-w * 0.06)}" y1="${f(ey)}" x2="${f(w * 0.06)}" y2="${f(ey)}" stroke="#202020" stroke-width="2"/>`;
    } else if (d.glasses === 'mono') {
      const mx = side ? fx + w * 0.12 : w * 0.19;
      out += `<circle cx="${f(mx)}" cy="${f(ey)}" r="${f(w * 0.13)}" fill="none" stroke="#d0a020" stroke-width="2.2"/><path d="M${f(mx + w * 0.1)},${f(ey + h * 0.08)} Q${f(mx + w * 0.2)},${f(h * 0.3)} ${f(mx + w * 0.05)},${f(h * 0.5)}" fill="none" stroke="#d0a020" stroke-width="1.2"/>`;
      if (!side) out += `<circle cx="${f(-w * 0.19)}" cy="${f(ey)}" r="${f(w * 0.07)}" fill="#ffffff" stroke="#303030" stroke-width="1.2"/><circle cx="${f(-w * 0.19)}" cy="${f(ey + 1)}" r="${f(w * 0.035)}" fill="#151515"/>`;
    } else if (d.glasses === 'shades') {
      out += side
        ? `<path d="M${f(fx - w * 0.05)},${f(ey - h * 0.08)} L${f(fx + w * 0.3)},${f(ey - h * 0.08)} L${f(fx + w * 0.26)},${f(ey + h * 0.08)} L${f(fx)},${f(ey + h * 0.08)} Z" fill="#101018"/>`
        : `<path d="M${f(-w * 0.42)},${f(ey - h * 0.09)} L${f(w * 0.42)},${f(ey - h * 0.09)} L${f(w * 0.36)},${f(ey + h * 0.09)} L${f(w * 0.06)},${f(ey + h * 0.09)} L0,${f(ey)} L${f(-w * 0.06)},${f(ey + h * 0.09)} L${f(-w * 0.36)},${f(ey + h * 0.09)} Z" fill="#101018"/><line x1="${f(-w * 0.3)}" y1="${f(ey - h * 0.04)}" x2="${f(-w * 0.18)}" y2="${f(ey - h * 0.04)}" stroke="#6080a0" stroke-width="1.5"/>`;
    }
    if (ex('calc')) {
      let g = '';
      for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) g += `<rect x="${f(fx - w * 0.25 + c * w * 0.18)}" y="${f(h * 0.12 + r * h * 0.12)}" width="${f(w * 0.13)}" height="${f(h * 0.09)}" rx="1" fill="${['#e05050', '#50a050', '#5070e0'][(r + c) % 3]}"/>`;
      out += g;
    }
    if (ex('freckles')) for (const s of side ? [1] : [-1, 1]) out += `<g fill="#c07050"><circle cx="${f((side ? fx : s * w * 0.22) - 3)}" cy="${f(h * 0.1)}" r="1.3"/><circle cx="${f((side ? fx : s * w * 0.22) + 2)}" cy="${f(h * 0.12)}" r="1.3"/><circle cx="${f(side ? fx : s * w * 0.22)}" cy="${f(h * 0.16)}" r="1.3"/></g>`;
    // nose
    const ny = h * 0.08;
    const nx = side ? fx + w * 0.3 : 0;
    switch (d.nose) {
      case 'small': out += `<ellipse cx="${f(nx)}" cy="${f(ny)}" rx="${f(w * 0.05)}" ry="${f(h * 0.05)}" fill="${shade(skin, 0.8)}"/>`; break;
      case 'big': out += `<ellipse cx="${f(nx)}" cy="${f(ny)}" rx="${f(w * 0.1)}" ry="${f(h * 0.09)}" fill="${shade(skin, 0.85)}" stroke="${dark}" stroke-width="1.2"/>`; break;
      case 'long': out += side
        ? `<path d="M${f(nx - 4)},${f(ny - 4)} L${f(nx + w * 0.45)},${f(ny + 3)} L${f(nx - 4)},${f(ny + 6)} Z" fill="${shade(skin, 0.9)}" stroke="${dark}" stroke-width="1.2"/>`
        : `<path d="M${f(-w * 0.06)},${f(ey)} L${f(w * 0.02)},${f(h * 0.26)} L${f(w * 0.08)},${f(h * 0.18)} Z" fill="${shade(skin, 0.88)}" stroke="${dark}" stroke-width="1.2"/>`; break;
      case 'mustache': out += `<ellipse cx="${f(nx)}" cy="${f(ny - 1)}" rx="${f(w * 0.05)}" ry="${f(h * 0.05)}" fill="${shade(skin, 0.8)}"/><path d="M${f(nx)},${f(ny + h * 0.06)} Q${f(nx - w * 0.2)},${f(ny + h * 0.02)} ${f(nx - w * 0.25)},${f(ny + h * 0.13)} Q${f(nx - w * 0.1)},${f(ny + h * 0.12)} ${f(nx)},${f(ny + h * 0.09)} Q${f(nx + w * 0.1)},${f(ny + h * 0.12)} ${f(nx + w * 0.25)},${f(ny + h * 0.13)} Q${f(nx + w * 0.2)},${f(ny + h * 0.02)} ${f(nx)},${f(ny + h * 0.06)} Z" fill="#3a2a1a"/>`; break;
      default: break;
    }
    // mouth
    const my = h * 0.27;
    const mx = side ? fx + w * 0.1 : 0;
    const mw = side ? w * 0.16 : w * 0.22;
    switch (d.mouth) {
      case 'smile': out += `<path d="M${f(mx - mw)},${f(my - 2)} Q${f(mx)},${f(my + h * 0.1)} ${f(mx + mw)},${f(my - 2)}" fill="none" stroke="#402020" stroke-width="2.2" stroke-linecap="round"/>`; break;
      case 'frown': out += `<path d="M${f(mx - mw)},${f(my + 3)} Q${f(mx)},${f(my - h * 0.08)} ${f(mx + mw)},${f(my + 3)}" fill="none" stroke="#402020" stroke-width="2.2" stroke-linecap="round"/>`; break;
      case 'flat': out += `<line x1="${f(mx - mw * 0.8)}" y1="${f(my)}" x2="${f(mx + mw * 0.8)}" y2="${f(my)}" stroke="#402020" stroke-width="2.2" stroke-linecap="round"/>`; break;
      case 'smirk': out += `<path d="M${f(mx - mw)},${f(my)} Q${f(mx + mw * 0.3)},${f(my + 3)} ${f(mx + mw)},${f(my - h * 0.06)}" fill="none" stroke="#402020" stroke-width="2.2" stroke-linecap="round"/>`; break;
      case 'grin': out += `<path d="M${f(mx - mw * 1.3)},${f(my - 3)} Q${f(mx)},${f(my + h * 0.2)} ${f(mx + mw * 1.3)},${f(my - 3)} Z" fill="#ffffff" stroke="#402020" stroke-width="1.8"/><line x1="${f(mx - mw * 1.2)}" y1="${f(my + 1)}" x2="${f(mx + mw * 1.2)}" y2="${f(my + 1)}" stroke="#a0a0a0" stroke-width="1"/>`; break;
      case 'open': out += `<ellipse cx="${f(mx)}" cy="${f(my + 2)}" rx="${f(mw * 0.6)}" ry="${f(h * 0.08)}" fill="#602020" stroke="#402020" stroke-width="1.5"/>`; break;
      case 'fangs': out += `<path d="M${f(mx - mw)},${f(my)} Q${f(mx)},${f(my + h * 0.05)} ${f(mx + mw)},${f(my)}" fill="none" stroke="#402020" stroke-width="2.2"/><path d="M${f(mx - mw * 0.6)},${f(my + 1)} l3,${f(h * 0.1)} l3,${f(-h * 0.1)} Z M${f(mx + mw * 0.6 - 6)},${f(my + 1)} l3,${f(h * 0.1)} l3,${f(-h * 0.1)} Z" fill="#ffffff" stroke="#808080" stroke-width="0.8"/>`; break;
      case 'double': out += `<path d="M${f(mx - mw)},${f(my - h * 0.06)} Q${f(mx)},${f(my + h * 0.03)} ${f(mx + mw)},${f(my - h * 0.06)}" fill="none" stroke="#402020" stroke-width="2.2"/><ellipse cx="${f(mx)}" cy="${f(my + h * 0.12)}" rx="${f(mw * 0.7)}" ry="${f(h * 0.05)}" fill="#602020"/>`; break;
      case 'fish': out += side
        ? `<ellipse cx="${f(w * 0.46)}" cy="${f(my - 2)}" rx="${f(w * 0.1)}" ry="${f(h * 0.14)}" fill="#e07080" stroke="#903040" stroke-width="1.5"/>`
        : `<ellipse cx="0" cy="${f(my - 2)}" rx="${f(w * 0.28)}" ry="${f(h * 0.13)}" fill="#e07080" stroke="#903040" stroke-width="1.5"/><line x1="${f(-w * 0.26)}" y1="${f(my - 2)}" x2="${f(w * 0.26)}" y2="${f(my - 2)}" stroke="#903040" stroke-width="1.5"/>`; break;
      case 'beak': out += side
        ? `<path d="M${f(w * 0.3)},${f(-h * 0.02)} Q${f(w * 0.95)},${f(-h * 0.05)} ${f(w * 0.75)},${f(h * 0.35)} Q${f(w * 0.6)},${f(h * 0.2)} ${f(w * 0.3)},${f(h * 0.22)} Z" fill="#f0c020" stroke="#a08010" stroke-width="1.5"/>`
        : `<path d="M${f(-w * 0.2)},${f(h * 0.02)} Q0,${f(-h * 0.06)} ${f(w * 0.2)},${f(h * 0.02)} Q${f(w * 0.12)},${f(h * 0.3)} 0,${f(h * 0.42)} Q${f(-w * 0.12)},${f(h * 0.3)} ${f(-w * 0.2)},${f(h * 0.02)} Z" fill="#f0c020" stroke="#a08010" stroke-width="1.5"/>`; break;
      case 'shark': {
        let teeth = `M${f(mx - mw * 1.5)},${f(my - 4)}`;
        for (let i = 0; i < 6; i++) teeth += ` l${f(mw * 0.25)},${f(h * 0.08)} l${f(mw * 0.25)},${f(-h * 0.08)}`;
        out += `<path d="M${f(mx - mw * 1.5)},${f(my - 4)} Q${f(mx)},${f(my + h * 0.28)} ${f(mx + mw * 1.5)},${f(my - 4)} Z" fill="#501010"/><path d="${teeth}" fill="#ffffff" stroke="#808080" stroke-width="0.8"/>`;
        break;
      }
    }
    if (ex('twoface')) out += `<path d="M${f(fx + w * 0.04)},${f(my + 4)} Q${f(fx + w * 0.15)},${f(my - 6)} ${f(fx + w * 0.26)},${f(my + 4)}" fill="none" stroke="#301010" stroke-width="2.4"/>`;
    if (ex('cigar')) out += `<rect x="${f(mx + mw * 0.6)}" y="${f(my)}" width="${f(w * 0.32)}" height="${f(h * 0.07)}" rx="2" fill="#7a4a2a" transform="rotate(12 ${f(mx + mw * 0.6)} ${f(my)})"/><circle cx="${f(mx + mw * 0.6 + w * 0.32)}" cy="${f(my + h * 0.1)}" r="2.2" fill="#f06020"/>`;
  }
  if (ex('pencil')) out += `<g transform="rotate(-60 ${f(w * 0.35)} ${f(-h * 0.25)})"><rect x="${f(w * 0.05)}" y="${f(-h * 0.29)}" width="${f(w * 0.6)}" height="${f(h * 0.08)}" fill="#f8d020" stroke="#a08010" stroke-width="1"/><path d="M${f(w * 0.65)},${f(-h * 0.29)} l${f(w * 0.12)},${f(h * 0.04)} l${f(-w * 0.12)},${f(h * 0.04)} Z" fill="#e0b080"/><rect x="${f(w * 0.0)}" y="${f(-h * 0.29)}" width="${f(w * 0.07)}" height="${f(h * 0.08)}" fill="#f08080"/></g>`;
  out += hatSvg(d, w, h, view);
  return out;
}

function cogArm(sx: number, sy: number, angle: number, len: number, spec: CogSpec, dim = 1): string {
  const suit = shade(spec.suitColour, dim);
  const cuff = limbEnd(sx, sy, angle, len - 10);
  const hand = limbEnd(sx, sy, angle, len);
  const hc = shade(spec.design.hands, dim);
  return `<line x1="${f(sx)}" y1="${f(sy)}" x2="${f(cuff[0])}" y2="${f(cuff[1])}" stroke="${shade(suit, 0.7)}" stroke-width="16" stroke-linecap="round"/>` +
    `<line x1="${f(sx)}" y1="${f(sy)}" x2="${f(cuff[0])}" y2="${f(cuff[1])}" stroke="${suit}" stroke-width="13" stroke-linecap="round"/>` +
    `<circle cx="${f(cuff[0])}" cy="${f(cuff[1])}" r="6.5" fill="#f0f0f0"/>` +
    `<circle cx="${f(hand[0])}" cy="${f(hand[1])}" r="8.5" fill="${hc}" stroke="${shade(hc, 0.65)}" stroke-width="1.2"/>` +
    `<circle cx="${f(hand[0] - 6)}" cy="${f(hand[1] - 3)}" r="3.8" fill="${hc}" stroke="${shade(hc, 0.65)}" stroke-width="1"/>`;
}

/** The Cog drawn in unit space (feet at the origin), facing +x for side views. */
export function cogBody(spec: CogSpec, pose: Pose): string {
  const d = spec.design;
  const b = BODY[d.body];
  const side = pose.view === 'left' || pose.view === 'right';
  const back = pose.view === 'back';
  const s = d.height * spec.size;
  const leg = b.leg * s;
  const torso = b.torso * s;
  const sh = (side ? 0.62 : 1) * b.shoulder;
  const wa = (side ? 0.7 : 1) * b.waist;
  const suit = spec.suitColour;
  const trousers = shade(suit, 0.88);
  const edge = shade(suit, 0.55);
  const waistY = -leg;
  const topY = waistY - torso;
  let out = '';
  // legs
  const legLine = (x: number, angle: number, dim: number) => {
    const foot = limbEnd(x, waistY + 4, angle, leg - 8);
    return `<line x1="${f(x)}" y1="${f(waistY + 4)}" x2="${f(foot[0])}" y2="${f(foot[1])}" stroke="${shade(edge, dim)}" stroke-width="${f(b.legW + 3)}"/>` +
      `<line x1="${f(x)}" y1="${f(waistY + 4)}" x2="${f(foot[0])}" y2="${f(foot[1])}" stroke="${shade(trousers, dim)}" stroke-width="${f(b.legW)}"/>` +
      `<ellipse cx="${f(foot[0] + (side ? 5 : x > 0 ? 3 : -3))}" cy="${f(foot[1] + 2)}" rx="${f(side ? 15 : 12)}" ry="7" fill="#141414"/>`;
  };
  if (side) {
    const a = 24 * pose.stride;
    out += legLine(-2, -a, 0.8);
    out += cogArm(-2, topY + 12, 22 * pose.stride + pose.armL * 0.3, b.arm * s, spec, 0.8);
    out += legLine(2, a, 1);
  } else {
    const hx = Math.min(wa * 0.28, 18);
    out += legLine(-hx, -2, 1) + legLine(hx, 2, 1);
  }
  // torso: jacket, belly for the fat body
  const belly = d.body === 'C' ? wa * 0.16 : d.body === 'B' ? wa * 0.06 : 0;
  const jacket = `M${f(-sh / 2)},${f(topY + 8)} Q${f(-sh / 2)},${f(topY)} ${f(-sh / 2 + 10)},${f(topY)} L${f(sh / 2 - 10)},${f(topY)} Q${f(sh / 2)},${f(topY)} ${f(sh / 2)},${f(topY + 8)} ` +
    `Q${f(wa / 2 + belly)},${f(waistY - torso * 0.35)} ${f(wa / 2)},${f(waistY + 8)} L${f(-wa / 2)},${f(waistY + 8)} Q${f(-wa / 2 - belly)},${f(waistY - torso * 0.35)} ${f(-sh / 2)},${f(topY + 8)} Z`;
  out += `<path d="${jacket}" fill="${suit}" stroke="${edge}" stroke-width="2"/>`;
  if (back) {
    out += `<line x1="0" y1="${f(topY + torso * 0.45)}" x2="0" y2="${f(waistY + 8)}" stroke="${edge}" stroke-width="1.6"/><path d="M${f(-sh * 0.25)},${f(topY + 1)} Q0,${f(topY + 10)} ${f(sh * 0.25)},${f(topY + 1)}" fill="none" stroke="${edge}" stroke-width="2"/>`;
  } else if (side) {
    out += `<path d="M${f(sh * 0.1)},${f(topY + 2)} L${f(sh * 0.32)},${f(topY + 2)} L${f(sh * 0.22)},${f(topY + torso * 0.4)} Z" fill="#f4f4f4"/><path d="M${f(sh * 0.22)},${f(topY + 4)} L${f(sh * 0.28)},${f(topY + torso * 0.42)} L${f(sh * 0.16)},${f(topY + torso * 0.42)} Z" fill="${spec.tie}"/>`;
    out += `<circle cx="${f(sh * 0.3)}" cy="${f(topY + torso * 0.62)}" r="2.5" fill="${edge}"/>`;
  } else {
    const vY = topY + torso * 0.5;
    out += `<path d="M${f(-sh * 0.2)},${f(topY)} L0,${f(vY)} L${f(sh * 0.2)},${f(topY)} Z" fill="#f4f4f4"/>`;
    out += `<path d="M0,${f(topY + 3)} L${f(-5)},${f(topY + 9)} L${f(-3)},${f(vY - 6)} L0,${f(vY + 2)} L3,${f(vY - 6)} L5,${f(topY + 9)} Z" fill="${spec.tie}" stroke="${shade(spec.tie, 0.6)}" stroke-width="0.8"/>`;
    out += `<path d="M${f(-sh * 0.22)},${f(topY)} L${f(-sh * 0.02)},${f(vY)} L${f(-sh * 0.3)},${f(topY + torso * 0.28)} Z M${f(sh * 0.22)},${f(topY)} L${f(sh * 0.02)},${f(vY)} L${f(sh * 0.3)},${f(topY + torso * 0.28)} Z" fill="${shade(suit, 0.78)}"/>`;
    out += `<circle cx="0" cy="${f(vY + torso * 0.15)}" r="2.6" fill="${edge}"/><circle cx="0" cy="${f(vY + torso * 0.32)}" r="2.6" fill="${edge}"/>`;
    out += `<rect x="${f(sh * 0.14)}" y="${f(topY + torso * 0.3)}" width="${f(sh * 0.18)}" height="3" fill="${edge}"/>`;
  }
  // arms
  if (side) {
    out += cogArm(2, topY + 12, -22 * pose.stride + pose.armR * 0.3, b.arm * s, spec);
  } else {
    out += cogArm(-sh / 2 + 5, topY + 10, -pose.armL, b.arm * s, spec) + cogArm(sh / 2 - 5, topY + 10, pose.armR, b.arm * s, spec);
  }
  // head: a little overlapping the collar
  const headS = s * (d.body === 'C' ? 1.0 : 0.95);
  const hy = topY - (d.h * headS) / 2 + 4;
  if (spec.headImage && pose.view !== 'back') {
    // The render is head and shoulders, the head in its upper two thirds, about half its width.
    const size = Math.max(d.w, d.h) * headS * 1.9;
    const mirror = pose.view === 'left' ? ` transform="translate(0 0) scale(-1 1)"` : '';
    out += `<g${mirror}><image href="${spec.headImage}" x="${f(-size / 2)}" y="${f(hy - size * 0.42)}" width="${f(size)}" height="${f(size)}" preserveAspectRatio="xMidYMid meet"/></g>`;
  } else {
    out += `<g transform="translate(0 ${f(hy)}) scale(${f(headS)})">${cogHead(spec, pose.view)}</g>`;
  }
  return out;
}
