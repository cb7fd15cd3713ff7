// Entities of a scene: which Toon or Cog, its pose, its nametag, and its sprite at a given size.
import type { Box } from '../image.ts';
import type { Animal, Suit } from '../taxonomy.ts';
import { COG_DISPLAY_NAMES, LABELS, SUIT_NAMES, parseLabel } from '../taxonomy.ts';
import { COG_BOUNDS, cogBody, randomCog, type CogSpec } from './cog.ts';
import { renderSprite, svgToRgba, type RgbaImage, type Sprite } from './raster.ts';
import { type Rng, rngFor } from './rng.ts';
import { f, spriteSvg } from './svg.ts';
import { TOON_BOUNDS, randomToon, toonBody, type Pose, type ToonSpec, type View } from './toon.ts';

export interface EntitySpec {
  label: string;
  kind: 'cog' | 'toon';
  cog?: CogSpec;
  toon?: ToonSpec;
  nametag: string[];
  nametagColour: string;
}

const COG_LABELS = LABELS.filter((l) => l.startsWith('cog_'));
const TOON_LABELS = LABELS.filter((l) => l.startsWith('toon_'));

/**
 * The label of the `slot`-th Cog (or Toon) of a seed: labels are dealt from shuffled decks of all 32
 * Cogs (11 animals), so that every label comes up equally often over many scenes.
 */
export function dealLabel(seed: string | number, kind: 'cog' | 'toon', slot: number): string {
  const deck = kind === 'cog' ? COG_LABELS : TOON_LABELS;
  const block = Math.floor(slot / deck.length);
  return rngFor(seed, 'deck', kind, block).shuffle(deck)[slot % deck.length] as string;
}

const FIRST = ['Flippy', 'Lucky', 'Daffodil', 'Bizzy', 'Crazy', 'Sir', 'Captain', 'Princess', 'Dizzy', 'Giggles', 'Penny', 'Skipper', 'Jazzy', 'Buster', 'Bubbles', 'Clover', 'Doctor', 'Max', 'Sunny', 'Pickles'];
const LAST1 = ['Bumble', 'Fizzle', 'Wacky', 'Zoom', 'Twinkle', 'Mac', 'Loopy', 'Snappy', 'Doodle', 'Pickle', 'Super', 'Jolly'];
const LAST2 = ['berry', 'bee', 'bounce', 'flap', 'wiggle', 'nose', 'paws', 'whistle', 'sparkle', 'toes', 'fuzz', 'hopper'];
const TOON_TAG = ['#1a5ad0', '#e06a10', '#20903a', '#c02a90', '#7a30c0', '#c81e1e', '#008a8a'];

/**
 * A random Cog or Toon for a label. With `cogHeads` (Cog name -> data: URI of a real head render),
 * most Cogs wear the real head (the random draw happens only then, so scenes without heads are unchanged).
 */
export function randomEntity(rng: Rng, label: string, cogHeads?: ReadonlyMap<string, string>): EntitySpec {
  const p = parseLabel(label);
  if (p.kind === 'cog') {
    const cog = randomCog(rng, p.suit as Suit, p.name);
    const head = cogHeads?.get(p.name);
    if (head && rng.chance(0.75)) cog.headImage = head;
    const level = rng.int(1, 12);
    return {
      label, kind: 'cog', cog,
      nametag: [COG_DISPLAY_NAMES[p.name] ?? p.name, SUIT_NAMES[p.suit], `Level ${level}`],
      nametagColour: '#101010',
    };
  }
  const toon = randomToon(rng, p.animal as Animal);
  const name = rng.chance(0.5) ? `${rng.pick(FIRST)} ${rng.pick(LAST1)}${rng.pick(LAST2)}` : rng.pick(FIRST);
  return { label, kind: 'toon', toon, nametag: [name], nametagColour: rng.pick(TOON_TAG) };
}

export function randomPose(rng: Rng, view?: View): Pose {
  const v: View = view ?? (rng.pick(['front', 'front', 'front', 'back', 'left', 'right', 'left', 'right'] as const));
  const arms = rng.int(0, 5);
  const down = () => rng.range(8, 24);
  let armL = down();
  let armR = down();
  if (arms === 1) armR = rng.range(120, 165); // waving
  else if (arms === 2) armL = rng.range(120, 165);
  else if (arms === 3) { armL = rng.range(60, 100); armR = rng.range(60, 100); } // arms out
  else if (arms === 4) armR = rng.range(70, 110); // pointing
  const stride = v === 'left' || v === 'right' ? rng.range(-1, 1) : 0;
  return { view: v, armL, armR, stride };
}

export function entityBounds(e: EntitySpec) {
  return e.kind === 'cog' ? COG_BOUNDS : TOON_BOUNDS;
}

/** Unit-space SVG body of the entity. */
export function entityBody(e: EntitySpec, pose: Pose): string {
  return e.kind === 'cog' ? cogBody(e.cog as CogSpec, pose) : toonBody(e.toon as ToonSpec, pose);
}

/** A sprite of the entity at `ppu` pixels per unit, with where its feet are in sprite pixels. */
export interface EntitySprite extends Sprite {
  footX: number;
  footY: number;
}

export async function renderEntity(e: EntitySpec, pose: Pose, ppu: number): Promise<EntitySprite> {
  const b = entityBounds(e);
  const svg = spriteSvg(entityBody(e, pose), b.x0, b.y0, b.x1, b.y1, ppu, pose.view === 'left');
  const sprite = await renderSprite(svg);
  return { ...sprite, footX: Math.round(-b.x0 * ppu), footY: Math.round(-b.y0 * ppu) };
}

/** The nametag: a rounded translucent label with the name lines, `px` pixels per text line. */
export async function renderNametag(e: EntitySpec, px: number): Promise<RgbaImage> {
  const fs = Math.max(8, px);
  const lineH = fs * 1.15;
  const longest = Math.max(...e.nametag.map((l) => l.length));
  const w = Math.ceil(longest * fs * 0.62 + fs * 1.2);
  const h = Math.ceil(lineH * e.nametag.length + fs * 0.6);
  let text = '';
  e.nametag.forEach((line, i) => {
    text += `<text x="${f(w / 2)}" y="${f(fs * 0.3 + lineH * (i + 0.82))}" font-family="DejaVu Sans Mono, DejaVu Sans" font-size="${f(fs)}" font-weight="${e.kind === 'toon' ? 'bold' : 'normal'}" text-anchor="middle" fill="${e.nametagColour}">${line.replace(/&/g, '&amp;')}</text>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect x="0.5" y="0.5" width="${w - 1}" height="${h - 1}" rx="${f(fs * 0.5)}" fill="#f4f4f4" fill-opacity="0.72"/>${text}</svg>`;
  return svgToRgba(svg);
}

/** A soft dark ellipse under the feet. */
export async function renderShadow(w: number, h: number): Promise<RgbaImage> {
  const W = Math.max(2, Math.ceil(w));
  const H = Math.max(2, Math.ceil(h));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><defs><radialGradient id="g"><stop offset="0" stop-color="#000" stop-opacity="1"/><stop offset="0.7" stop-color="#000" stop-opacity="0.7"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient></defs><ellipse cx="${W / 2}" cy="${H / 2}" rx="${W / 2}" ry="${H / 2}" fill="url(#g)"/></svg>`;
  return svgToRgba(svg);
}

export function boxArea(b: Box): number {
  return Math.max(0, b.xmax - b.xmin) * Math.max(0, b.ymax - b.ymin);
}

export function intersect(a: Box, b: Box): Box {
  return { xmin: Math.max(a.xmin, b.xmin), ymin: Math.max(a.ymin, b.ymin), xmax: Math.min(a.xmax, b.xmax), ymax: Math.min(a.ymax, b.ymax) };
}
