// Toon sprites: a big head whose shape, ears, snout, beak or antlers tell the animal, a fur-coloured
// body, white gloves, a shirt and shorts or a skirt in any colour, seen from the front, back or side.
import type { Animal } from '../taxonomy.ts';
import { CLOTHES, TOON_FUR, mix, shade } from './colour.ts';
import type { Rng } from './rng.ts';
import { blobPath, f, limbEnd } from './svg.ts';

export type View = 'front' | 'back' | 'left' | 'right';

export interface ToonSpec {
  animal: Animal;
  fur: string;
  /** a second fur colour for the arms and legs (often the same) */
  limbs: string;
  shirt: string;
  shirt2: string;
  pattern: number;
  bottom: 'shorts' | 'skirt';
  bottomColour: string;
  shoes: string;
  legLen: number;
  torsoH: number;
  torsoW: number;
  head: number;
  look: number;
}

/** Arm angles from straight down (degrees, positive outwards) and the walking stride (-1..1). */
export interface Pose {
  view: View;
  armL: number;
  armR: number;
  stride: number;
}

export function randomToon(rng: Rng, animal: Animal): ToonSpec {
  const fur = rng.pick(TOON_FUR);
  const shirt = rng.pick(CLOTHES);
  return {
    animal,
    fur,
    limbs: rng.chance(0.75) ? fur : rng.pick(TOON_FUR),
    shirt,
    shirt2: rng.pick(CLOTHES),
    pattern: rng.int(0, 4),
    bottom: rng.chance(0.35) ? 'skirt' : 'shorts',
    bottomColour: rng.pick(CLOTHES),
    shoes: rng.pick(['#5a3a2a', '#202020', '#c03030', '#3050c0', '#f0f0f0', '#30a040', '#e0a020']),
    legLen: rng.pick([24, 32, 40]),
    torsoH: rng.pick([26, 32, 38]),
    torsoW: rng.pick([26, 31, 37]),
    head: rng.range(0.9, 1.12),
    look: rng.range(-1, 1),
  };
}

/** Unit-space bounds every Toon fits in (feet at y = 0, facing +x in side view). */
export const TOON_BOUNDS = { x0: -95, x1: 95, y0: -240, y1: 8 };

interface Parts {
  /** drawn before the head (behind it) in front and side views, after it from the back */
  ears: string;
  /** the head outline */
  shape: string;
  /** face details: skipped from the back */
  face: string;
  /** drawn after the face in every view (antlers, tufts, eye bumps) */
  top: string;
}

function eyes(R: number, view: View, look: number, cy = -0.12 * R, scale = 1): string {
  const rx = 0.2 * R * scale;
  const ry = 0.29 * R * scale;
  const lx = look * 0.06 * R;
  const eye = (x: number, sx = 1) =>
    `<ellipse cx="${f(x)}" cy="${f(cy)}" rx="${f(rx * sx)}" ry="${f(ry)}" fill="#ffffff" stroke="#202020" stroke-width="${f(R * 0.04)}"/>` +
    `<ellipse cx="${f(x + lx * sx)}" cy="${f(cy + ry * 0.25)}" rx="${f(rx * 0.5 * sx)}" ry="${f(ry * 0.55)}" fill="#151515"/>` +
    `<circle cx="${f(x + lx * sx + rx * 0.15)}" cy="${f(cy + ry * 0.05)}" r="${f(rx * 0.18)}" fill="#ffffff"/>`;
  if (view === 'front') return eye(-0.27 * R) + eye(0.27 * R);
  return eye(0.45 * R, 0.75);
}

function whiskers(R: number, side: boolean, y: number): string {
  let out = `<g stroke="#303030" stroke-width="${f(R * 0.035)}" stroke-linecap="round">`;
  const sides = side ? [1] : [-1, 1];
  for (const s of sides) {
    const bx = side ? 0.85 * R : 0.3 * R * s;
    for (let i = -1; i <= 1; i++) out += `<line x1="${f(bx)}" y1="${f(y)}" x2="${f(bx + s * 0.75 * R)}" y2="${f(y + i * 0.18 * R)}"/>`;
  }
  return `${out}</g>`;
}

function animalParts(a: Animal, R: number, view: View, fur: string, look: number): Parts {
  const dark = shade(fur, 0.62);
  const light = mix(fur, '#fff3dc', 0.6);
  const sw = f(R * 0.05);
  const side = view === 'left' || view === 'right';
  const outline = `stroke="${dark}" stroke-width="${sw}"`;
  const circle = (w = 2 * R, h = 2 * R) => blobPath(0, 0, w, h, 2, 1, 1);
  let ears = '';
  let shape = `<path d="${circle()}" fill="${fur}" ${outline}/>`;
  let face = eyes(R, view, look);
  let top = '';
  const mirror = (s: string) => (side ? s : `${s}<g transform="scale(-1,1)">${s}</g>`);
  switch (a) {
    case 'bear':
      ears = side
        ? `<circle cx="${f(-0.15 * R)}" cy="${f(-0.85 * R)}" r="${f(0.34 * R)}" fill="${fur}" ${outline}/><circle cx="${f(-0.15 * R)}" cy="${f(-0.85 * R)}" r="${f(0.18 * R)}" fill="${light}"/>`
        : mirror(`<circle cx="${f(0.72 * R)}" cy="${f(-0.72 * R)}" r="${f(0.34 * R)}" fill="${fur}" ${outline}/><circle cx="${f(0.72 * R)}" cy="${f(-0.72 * R)}" r="${f(0.18 * R)}" fill="${light}"/>`);
      face += side
        ? `<ellipse cx="${f(0.8 * R)}" cy="${f(0.33 * R)}" rx="${f(0.4 * R)}" ry="${f(0.28 * R)}" fill="${light}" ${outline}/><ellipse cx="${f(1.12 * R)}" cy="${f(0.22 * R)}" rx="${f(0.13 * R)}" ry="${f(0.1 * R)}" fill="#202020"/>`
        : `<ellipse cx="0" cy="${f(0.4 * R)}" rx="${f(0.42 * R)}" ry="${f(0.3 * R)}" fill="${light}" ${outline}/><ellipse cx="0" cy="${f(0.28 * R)}" rx="${f(0.16 * R)}" ry="${f(0.11 * R)}" fill="#202020"/><path d="M${f(-0.15 * R)},${f(0.5 * R)} Q0,${f(0.62 * R)} ${f(0.15 * R)},${f(0.5 * R)}" fill="none" stroke="#202020" stroke-width="${sw}"/>`;
      break;
    case 'cat': {
      const ear = (x: number) =>
        `<path d="M${f(x * 0.9 * R)},${f(-0.3 * R)} L${f(x * 0.8 * R)},${f(-1.25 * R)} L${f(x * 0.2 * R)},${f(-0.85 * R)} Z" fill="${fur}" ${outline}/>` +
        `<path d="M${f(x * 0.75 * R)},${f(-0.5 * R)} L${f(x * 0.74 * R)},${f(-1.05 * R)} L${f(x * 0.38 * R)},${f(-0.8 * R)} Z" fill="#f4a0b8"/>`;
      ears = side ? ear(-0.3) + ear(0.55) : ear(1) + ear(-1);
      shape = `<path d="${blobPath(0, 0, 2.05 * R, 1.9 * R, 2.2, 1, 1)}" fill="${fur}" ${outline}/>`;
      face += side
        ? `<path d="M${f(0.95 * R)},${f(0.12 * R)} l${f(0.1 * R)},${f(0.08 * R)} l${f(-0.14 * R)},${f(0.06 * R)} Z" fill="#f06090"/>${whiskers(R, true, 0.3 * R)}`
        : `<path d="M${f(-0.1 * R)},${f(0.18 * R)} L${f(0.1 * R)},${f(0.18 * R)} L0,${f(0.3 * R)} Z" fill="#f06090"/><path d="M${f(-0.2 * R)},${f(0.42 * R)} Q${f(-0.1 * R)},${f(0.52 * R)} 0,${f(0.36 * R)} Q${f(0.1 * R)},${f(0.52 * R)} ${f(0.2 * R)},${f(0.42 * R)}" fill="none" stroke="#202020" stroke-width="${sw}"/>${whiskers(R, false, 0.32 * R)}`;
      break;
    }
    case 'crocodile': {
      shape = `<path d="${blobPath(0, 0, 1.8 * R, 2 * R, 2.3, 1, 1)}" fill="${fur}" ${outline}/>`;
      const bump = (x: number) => `<circle cx="${f(x)}" cy="${f(-0.82 * R)}" r="${f(0.34 * R)}" fill="${fur}" ${outline}/>`;
      const bumpEye = (x: number) =>
        `<ellipse cx="${f(x)}" cy="${f(-0.85 * R)}" rx="${f(0.2 * R)}" ry="${f(0.22 * R)}" fill="#ffffff" stroke="#202020" stroke-width="${sw}"/><circle cx="${f(x + look * 0.05 * R)}" cy="${f(-0.8 * R)}" r="${f(0.1 * R)}" fill="#151515"/>`;
      const teeth = (x0: number, x1: number, y: number) => {
        let d = `M${f(x0)},${f(y)}`;
        const n = 7;
        for (let i = 1; i <= n; i++) d += ` L${f(x0 + ((x1 - x0) * (i - 0.5)) / n)},${f(y + 0.12 * R)} L${f(x0 + ((x1 - x0) * i) / n)},${f(y)}`;
        return `<path d="${d}" fill="#ffffff" stroke="#606060" stroke-width="${f(R * 0.025)}"/>`;
      };
      if (side) {
        ears = '';
        face = `<path d="M${f(0.1 * R)},${f(0.0)} L${f(1.95 * R)},${f(0.1 * R)} Q${f(2.15 * R)},${f(0.35 * R)} ${f(1.9 * R)},${f(0.6 * R)} L${f(0.1 * R)},${f(0.75 * R)} Z" fill="${mix(fur, '#ffffff', 0.25)}" ${outline}/>` +
          teeth(0.3 * R, 1.85 * R, 0.35 * R) + `<circle cx="${f(1.8 * R)}" cy="${f(0.15 * R)}" r="${f(0.06 * R)}" fill="#202020"/>` +
          bump(0.25 * R) + bumpEye(0.3 * R);
      } else {
        top = view === 'back' ? bump(-0.42 * R) + bump(0.42 * R) : '';
        face = bump(-0.42 * R) + bump(0.42 * R) + bumpEye(-0.42 * R) + bumpEye(0.42 * R) +
          `<rect x="${f(-0.62 * R)}" y="${f(-0.1 * R)}" width="${f(1.24 * R)}" height="${f(1.08 * R)}" rx="${f(0.35 * R)}" fill="${mix(fur, '#ffffff', 0.25)}" ${outline}/>` +
          teeth(-0.5 * R, 0.5 * R, 0.5 * R) +
          `<circle cx="${f(-0.18 * R)}" cy="${f(0.08 * R)}" r="${f(0.07 * R)}" fill="#202020"/><circle cx="${f(0.18 * R)}" cy="${f(0.08 * R)}" r="${f(0.07 * R)}" fill="#202020"/>`;
      }
      break;
    }
    case 'deer': {
      shape = `<path d="${blobPath(0, 0, 1.8 * R, 2.05 * R, 2, 1.05, 0.7)}" fill="${fur}" ${outline}/>`;
      const antler = (s: number) =>
        `<path d="M${f(s * 0.3 * R)},${f(-0.8 * R)} L${f(s * 0.55 * R)},${f(-1.75 * R)} M${f(s * 0.42 * R)},${f(-1.25 * R)} L${f(s * 0.95 * R)},${f(-1.5 * R)} M${f(s * 0.5 * R)},${f(-1.55 * R)} L${f(s * 0.2 * R)},${f(-1.85 * R)} M${f(s * 0.75 * R)},${f(-1.38 * R)} L${f(s * 1.0 * R)},${f(-1.8 * R)}" fill="none" stroke="#c89a5a" stroke-width="${f(0.13 * R)}" stroke-linecap="round"/>`;
      const ear = (s: number) => `<ellipse cx="${f(s * 0.98 * R)}" cy="${f(-0.4 * R)}" rx="${f(0.36 * R)}" ry="${f(0.15 * R)}" transform="rotate(${s * -20} ${f(s * 0.98 * R)} ${f(-0.4 * R)})" fill="${fur}" ${outline}/>`;
      ears = side ? ear(-0.6) : ear(1) + ear(-1);
      top = side ? antler(-0.4) + antler(0.3) : antler(1) + antler(-1);
      face += side
        ? `<ellipse cx="${f(0.75 * R)}" cy="${f(0.5 * R)}" rx="${f(0.32 * R)}" ry="${f(0.26 * R)}" fill="${light}"/><ellipse cx="${f(1.0 * R)}" cy="${f(0.42 * R)}" rx="${f(0.12 * R)}" ry="${f(0.09 * R)}" fill="#202020"/>`
        : `<ellipse cx="0" cy="${f(0.55 * R)}" rx="${f(0.34 * R)}" ry="${f(0.3 * R)}" fill="${light}"/><ellipse cx="0" cy="${f(0.45 * R)}" rx="${f(0.14 * R)}" ry="${f(0.1 * R)}" fill="#202020"/>`;
      break;
    }
    case 'dog': {
      const ear = (x: number, rot: number) =>
        `<ellipse cx="${f(x)}" cy="${f(0.15 * R)}" rx="${f(0.3 * R)}" ry="${f(0.66 * R)}" transform="rotate(${rot} ${f(x)} ${f(0.15 * R)})" fill="${dark}" stroke="${shade(fur, 0.45)}" stroke-width="${sw}"/>`;
      ears = side ? '' : ear(-0.98 * R, 14) + ear(0.98 * R, -14);
      top = side ? ear(-0.1 * R, 10) : '';
      face += side
        ? `<ellipse cx="${f(0.85 * R)}" cy="${f(0.32 * R)}" rx="${f(0.48 * R)}" ry="${f(0.32 * R)}" fill="${light}" ${outline}/><ellipse cx="${f(1.28 * R)}" cy="${f(0.2 * R)}" rx="${f(0.16 * R)}" ry="${f(0.13 * R)}" fill="#151515"/>`
        : `<ellipse cx="0" cy="${f(0.38 * R)}" rx="${f(0.46 * R)}" ry="${f(0.34 * R)}" fill="${light}" ${outline}/><ellipse cx="0" cy="${f(0.22 * R)}" rx="${f(0.22 * R)}" ry="${f(0.15 * R)}" fill="#151515"/><ellipse cx="0" cy="${f(0.66 * R)}" rx="${f(0.12 * R)}" ry="${f(0.1 * R)}" fill="#f06080"/>`;
      break;
    }
    case 'duck': {
      const beak = '#f4a020';
      top = `<g fill="${fur}" ${outline}><ellipse cx="${f(-0.08 * R)}" cy="${f(-1.02 * R)}" rx="${f(0.09 * R)}" ry="${f(0.22 * R)}" transform="rotate(-20 ${f(-0.08 * R)} ${f(-1.02 * R)})"/><ellipse cx="${f(0.1 * R)}" cy="${f(-1.05 * R)}" rx="${f(0.09 * R)}" ry="${f(0.24 * R)}" transform="rotate(15 ${f(0.1 * R)} ${f(-1.05 * R)})"/></g>`;
      face += side
        ? `<path d="M${f(0.55 * R)},${f(0.12 * R)} Q${f(1.9 * R)},${f(0.05 * R)} ${f(1.85 * R)},${f(0.35 * R)} Q${f(1.6 * R)},${f(0.6 * R)} ${f(0.55 * R)},${f(0.55 * R)} Z" fill="${beak}" stroke="${shade(beak, 0.6)}" stroke-width="${sw}"/><line x1="${f(0.6 * R)}" y1="${f(0.34 * R)}" x2="${f(1.8 * R)}" y2="${f(0.36 * R)}" stroke="${shade(beak, 0.6)}" stroke-width="${sw}"/>`
        : `<ellipse cx="0" cy="${f(0.42 * R)}" rx="${f(0.78 * R)}" ry="${f(0.3 * R)}" fill="${beak}" stroke="${shade(beak, 0.6)}" stroke-width="${sw}"/><path d="M${f(-0.7 * R)},${f(0.42 * R)} Q0,${f(0.55 * R)} ${f(0.7 * R)},${f(0.42 * R)}" fill="none" stroke="${shade(beak, 0.6)}" stroke-width="${sw}"/>`;
      break;
    }
    case 'horse': {
      shape = side
        ? `<path d="${blobPath(0.25 * R, 0.1 * R, 2.3 * R, 1.8 * R, 2.2, 0.85, 1.05)}" fill="${fur}" ${outline}/>`
        : `<path d="${blobPath(0, 0.05 * R, 1.5 * R, 2.4 * R, 2.2, 0.95, 1.05)}" fill="${fur}" ${outline}/>`;
      const ear = (x: number) => `<path d="M${f(x - 0.16 * R)},${f(-0.95 * R)} L${f(x + 0.05 * R)},${f(-1.55 * R)} L${f(x + 0.2 * R)},${f(-0.9 * R)} Z" fill="${fur}" ${outline}/>`;
      ears = side ? ear(-0.25 * R) : ear(-0.45 * R) + ear(0.35 * R);
      top = `<path d="M${f(-0.3 * R)},${f(-1.0 * R)} q${f(0.15 * R)},${f(-0.35 * R)} ${f(0.3 * R)},0 q${f(0.12 * R)},${f(-0.3 * R)} ${f(0.28 * R)},${f(0.05 * R)} q${f(-0.1 * R)},${f(0.3 * R)} ${f(-0.3 * R)},${f(0.25 * R)} Z" fill="${shade(fur, 0.45)}"/>`;
      face += side
        ? `<ellipse cx="${f(1.05 * R)}" cy="${f(0.45 * R)}" rx="${f(0.45 * R)}" ry="${f(0.42 * R)}" fill="${light}"/><ellipse cx="${f(1.3 * R)}" cy="${f(0.45 * R)}" rx="${f(0.07 * R)}" ry="${f(0.1 * R)}" fill="#303030"/>`
        : `<ellipse cx="0" cy="${f(0.72 * R)}" rx="${f(0.62 * R)}" ry="${f(0.48 * R)}" fill="${light}" ${outline}/><ellipse cx="${f(-0.22 * R)}" cy="${f(0.8 * R)}" rx="${f(0.08 * R)}" ry="${f(0.12 * R)}" fill="#303030"/><ellipse cx="${f(0.22 * R)}" cy="${f(0.8 * R)}" rx="${f(0.08 * R)}" ry="${f(0.12 * R)}" fill="#303030"/>`;
      break;
    }
    case 'monkey': {
      const ear = (x: number) => `<circle cx="${f(x)}" cy="${f(-0.02 * R)}" r="${f(0.36 * R)}" fill="${fur}" ${outline}/><circle cx="${f(x)}" cy="${f(-0.02 * R)}" r="${f(0.2 * R)}" fill="${light}"/>`;
      ears = side ? ear(-0.2 * R) : ear(-1.03 * R) + ear(1.03 * R);
      const patch = side
        ? `<path d="M${f(0.2 * R)},${f(-0.45 * R)} Q${f(1.1 * R)},${f(-0.5 * R)} ${f(1.05 * R)},${f(0.3 * R)} Q${f(0.9 * R)},${f(0.85 * R)} ${f(0.25 * R)},${f(0.7 * R)} Z" fill="${light}"/>`
        : `<path d="M0,${f(-0.3 * R)} Q${f(-0.3 * R)},${f(-0.62 * R)} ${f(-0.6 * R)},${f(-0.25 * R)} Q${f(-0.75 * R)},${f(0.2 * R)} ${f(-0.55 * R)},${f(0.45 * R)} Q0,${f(0.95 * R)} ${f(0.55 * R)},${f(0.45 * R)} Q${f(0.75 * R)},${f(0.2 * R)} ${f(0.6 * R)},${f(-0.25 * R)} Q${f(0.3 * R)},${f(-0.62 * R)} 0,${f(-0.3 * R)} Z" fill="${light}"/>`;
      face = patch + face + (side
        ? `<path d="M${f(0.6 * R)},${f(0.5 * R)} Q${f(0.85 * R)},${f(0.62 * R)} ${f(1.0 * R)},${f(0.45 * R)}" fill="none" stroke="#202020" stroke-width="${sw}"/>`
        : `<circle cx="${f(-0.08 * R)}" cy="${f(0.25 * R)}" r="${f(0.04 * R)}" fill="#202020"/><circle cx="${f(0.08 * R)}" cy="${f(0.25 * R)}" r="${f(0.04 * R)}" fill="#202020"/><path d="M${f(-0.35 * R)},${f(0.45 * R)} Q0,${f(0.7 * R)} ${f(0.35 * R)},${f(0.45 * R)}" fill="none" stroke="#202020" stroke-width="${sw}"/>`);
      break;
    }
    case 'mouse': {
      const ear = (x: number, y: number, r: number) => `<circle cx="${f(x)}" cy="${f(y)}" r="${f(r)}" fill="${fur}" ${outline}/><circle cx="${f(x)}" cy="${f(y)}" r="${f(r * 0.66)}" fill="#f4a0b8"/>`;
      ears = side ? ear(-0.3 * R, -0.9 * R, 0.58 * R) : ear(-0.82 * R, -0.85 * R, 0.58 * R) + ear(0.82 * R, -0.85 * R, 0.58 * R);
      shape = `<path d="${blobPath(0, 0.05 * R, 1.85 * R, 1.85 * R, 2, 1.05, 0.92)}" fill="${fur}" ${outline}/>`;
      face += side
        ? `<circle cx="${f(0.98 * R)}" cy="${f(0.25 * R)}" r="${f(0.1 * R)}" fill="#202020"/>${whiskers(R, true, 0.32 * R)}`
        : `<circle cx="0" cy="${f(0.32 * R)}" r="${f(0.11 * R)}" fill="#202020"/><path d="M${f(-0.15 * R)},${f(0.5 * R)} Q0,${f(0.6 * R)} ${f(0.15 * R)},${f(0.5 * R)}" fill="none" stroke="#202020" stroke-width="${sw}"/>${whiskers(R, false, 0.36 * R)}`;
      break;
    }
    case 'pig': {
      const snout = mix(fur, '#f08aa0', 0.55);
      shape = `<path d="${blobPath(0, 0, 2.15 * R, 1.9 * R, 2.1, 1, 1)}" fill="${fur}" ${outline}/>`;
      const ear = (s: number) => `<path d="M${f(s * 0.45 * R)},${f(-0.75 * R)} L${f(s * 0.95 * R)},${f(-1.12 * R)} L${f(s * 0.9 * R)},${f(-0.45 * R)} Z" fill="${fur}" ${outline}/><path d="M${f(s * 0.6 * R)},${f(-0.75 * R)} L${f(s * 0.88 * R)},${f(-0.96 * R)} L${f(s * 0.85 * R)},${f(-0.6 * R)} Z" fill="#f4a0b8"/>`;
      ears = side ? ear(-0.4) : ear(1) + ear(-1);
      face += side
        ? `<rect x="${f(0.85 * R)}" y="${f(0.05 * R)}" width="${f(0.3 * R)}" height="${f(0.48 * R)}" rx="${f(0.12 * R)}" fill="${snout}" stroke="${shade(snout, 0.65)}" stroke-width="${sw}"/><ellipse cx="${f(1.12 * R)}" cy="${f(0.29 * R)}" rx="${f(0.04 * R)}" ry="${f(0.1 * R)}" fill="#602030"/>`
        : `<ellipse cx="0" cy="${f(0.36 * R)}" rx="${f(0.38 * R)}" ry="${f(0.27 * R)}" fill="${snout}" stroke="${shade(snout, 0.65)}" stroke-width="${sw}"/><ellipse cx="${f(-0.13 * R)}" cy="${f(0.36 * R)}" rx="${f(0.065 * R)}" ry="${f(0.11 * R)}" fill="#602030"/><ellipse cx="${f(0.13 * R)}" cy="${f(0.36 * R)}" rx="${f(0.065 * R)}" ry="${f(0.11 * R)}" fill="#602030"/>`;
      break;
    }
    case 'rabbit': {
      const ear = (x: number, rot: number) =>
        `<g transform="rotate(${rot} ${f(x)} ${f(-0.8 * R)})"><ellipse cx="${f(x)}" cy="${f(-1.5 * R)}" rx="${f(0.24 * R)}" ry="${f(0.8 * R)}" fill="${fur}" ${outline}/><ellipse cx="${f(x)}" cy="${f(-1.45 * R)}" rx="${f(0.12 * R)}" ry="${f(0.6 * R)}" fill="#f4a0b8"/></g>`;
      ears = side ? ear(-0.25 * R, -18) + ear(0.05 * R, -8) : ear(-0.36 * R, -8) + ear(0.36 * R, 8);
      face += side
        ? `<ellipse cx="${f(0.98 * R)}" cy="${f(0.22 * R)}" rx="${f(0.09 * R)}" ry="${f(0.07 * R)}" fill="#f06090"/><rect x="${f(0.75 * R)}" y="${f(0.45 * R)}" width="${f(0.12 * R)}" height="${f(0.18 * R)}" fill="#ffffff" stroke="#808080" stroke-width="${f(R * 0.02)}"/>${whiskers(R, true, 0.3 * R)}`
        : `<ellipse cx="0" cy="${f(0.24 * R)}" rx="${f(0.11 * R)}" ry="${f(0.08 * R)}" fill="#f06090"/><path d="M${f(-0.15 * R)},${f(0.4 * R)} Q0,${f(0.5 * R)} ${f(0.15 * R)},${f(0.4 * R)}" fill="none" stroke="#202020" stroke-width="${sw}"/><rect x="${f(-0.12 * R)}" y="${f(0.45 * R)}" width="${f(0.24 * R)}" height="${f(0.2 * R)}" fill="#ffffff" stroke="#808080" stroke-width="${f(R * 0.02)}"/><line x1="0" y1="${f(0.45 * R)}" x2="0" y2="${f(0.65 * R)}" stroke="#808080" stroke-width="${f(R * 0.02)}"/>${whiskers(R, false, 0.3 * R)}`;
      break;
    }
  }
  return { ears, shape, face, top };
}

function glove(x: number, y: number, r: number): string {
  return `<circle cx="${f(x)}" cy="${f(y)}" r="${f(r)}" fill="#ffffff" stroke="#b0b0b0" stroke-width="1"/>` +
    `<circle cx="${f(x - r * 0.7)}" cy="${f(y - r * 0.4)}" r="${f(r * 0.42)}" fill="#ffffff" stroke="#b0b0b0" stroke-width="0.8"/>`;
}

function arm(sx: number, sy: number, angle: number, spec: ToonSpec, dim = 1): string {
  const sleeveEnd = limbEnd(sx, sy, angle, 9);
  const hand = limbEnd(sx, sy, angle, 26);
  const limb = shade(spec.limbs, dim);
  return `<line x1="${f(sx)}" y1="${f(sy)}" x2="${f(hand[0])}" y2="${f(hand[1])}" stroke="${shade(limb, 0.6)}" stroke-width="7.5" stroke-linecap="round"/>` +
    `<line x1="${f(sx)}" y1="${f(sy)}" x2="${f(hand[0])}" y2="${f(hand[1])}" stroke="${limb}" stroke-width="5.5" stroke-linecap="round"/>` +
    `<line x1="${f(sx)}" y1="${f(sy)}" x2="${f(sleeveEnd[0])}" y2="${f(sleeveEnd[1])}" stroke="${shade(spec.shirt, dim)}" stroke-width="10" stroke-linecap="round"/>` +
    glove(hand[0], hand[1], 6.2);
}

function leg(hx: number, hy: number, angle: number, len: number, spec: ToonSpec, dim = 1): string {
  const foot = limbEnd(hx, hy, angle, len - 4);
  const limb = shade(spec.limbs, dim);
  return `<line x1="${f(hx)}" y1="${f(hy)}" x2="${f(foot[0])}" y2="${f(foot[1])}" stroke="${shade(limb, 0.6)}" stroke-width="8.5" stroke-linecap="round"/>` +
    `<line x1="${f(hx)}" y1="${f(hy)}" x2="${f(foot[0])}" y2="${f(foot[1])}" stroke="${limb}" stroke-width="6.5" stroke-linecap="round"/>`;
}

function shoe(x: number, y: number, side: boolean, spec: ToonSpec, dim = 1): string {
  const c = shade(spec.shoes, dim);
  return `<ellipse cx="${f(side ? x + 4 : x)}" cy="${f(y - 3)}" rx="${side ? 10 : 8}" ry="5" fill="${c}" stroke="${shade(c, 0.55)}" stroke-width="1.2"/>`;
}

function shirtPattern(spec: ToonSpec, x0: number, y0: number, w: number, h: number, clip: string): string {
  const c = spec.shirt2;
  switch (spec.pattern) {
    case 1: {
      let s = '';
      for (let y = y0 + 5; y < y0 + h; y += 8) s += `<rect x="${f(x0)}" y="${f(y)}" width="${f(w)}" height="3.5" fill="${c}"/>`;
      return `<g clip-path="url(#${clip})">${s}</g>`;
    }
    case 2: {
      let s = '';
      for (let y = y0 + 5; y < y0 + h; y += 9) for (let x = x0 + 4 + ((y / 9) % 2) * 4; x < x0 + w; x += 9) s += `<circle cx="${f(x)}" cy="${f(y)}" r="2.2" fill="${c}"/>`;
      return `<g clip-path="url(#${clip})">${s}</g>`;
    }
    case 3:
      return `<path d="M0,${f(y0 + h * 0.3)} l5,-5 l5,5 l-10,10 l-10,-10 l5,-5 Z" fill="${c}"/>`;
    case 4:
      return `<g clip-path="url(#${clip})"><rect x="${f(-w * 0.12)}" y="${f(y0)}" width="${f(w * 0.24)}" height="${f(h)}" fill="${c}"/></g>`;
    default:
      return '';
  }
}

let clipSeq = 0;

/** The Toon drawn in unit space (feet at the origin), facing +x for side views. */
export function toonBody(spec: ToonSpec, pose: Pose): string {
  const side = pose.view === 'left' || pose.view === 'right';
  const back = pose.view === 'back';
  const { legLen, torsoH } = spec;
  const tw = side ? spec.torsoW * 0.72 : spec.torsoW;
  const waist = -legLen;
  const shoulderY = waist - torsoH + 6;
  const R = 27 * spec.head;
  const headY = waist - torsoH - R * 0.78;
  const clip = `ts${clipSeq++}`;
  let out = '';
  const torsoPath = `M${f(-tw * 0.4)},${f(waist - torsoH)} Q0,${f(waist - torsoH - 4)} ${f(tw * 0.4)},${f(waist - torsoH)} L${f(tw * 0.5)},${f(waist + 2)} L${f(-tw * 0.5)},${f(waist + 2)} Z`;
  // legs and shoes
  if (side) {
    const a = 28 * pose.stride;
    out += leg(-2, waist + 4, -a, legLen, spec, 0.82) + shoe(limbEnd(-2, waist + 4, -a, legLen)[0], limbEnd(-2, waist + 4, -a, legLen)[1] + 2, true, spec, 0.82);
    // far arm, behind the body
    out += arm(-2, shoulderY, 25 * pose.stride + pose.armL * 0.3, spec, 0.8);
    out += leg(2, waist + 4, a, legLen, spec) + shoe(limbEnd(2, waist + 4, a, legLen)[0], limbEnd(2, waist + 4, a, legLen)[1] + 2, true, spec);
  } else {
    const hx = tw * 0.26;
    out += leg(-hx, waist + 4, -3, legLen, spec) + leg(hx, waist + 4, 3, legLen, spec);
    out += shoe(-hx - 2, 0, false, spec) + shoe(hx + 2, 0, false, spec);
  }
  // shorts or skirt
  const bc = spec.bottomColour;
  if (spec.bottom === 'skirt') {
    out += `<path d="M${f(-tw * 0.5)},${f(waist - 2)} L${f(tw * 0.5)},${f(waist - 2)} L${f(tw * 0.78)},${f(waist + 15)} Q0,${f(waist + 19)} ${f(-tw * 0.78)},${f(waist + 15)} Z" fill="${bc}" stroke="${shade(bc, 0.6)}" stroke-width="1.2"/>`;
  } else {
    out += `<path d="M${f(-tw * 0.5)},${f(waist - 2)} L${f(tw * 0.5)},${f(waist - 2)} L${f(tw * 0.56)},${f(waist + 11)} L${f(tw * 0.06)},${f(waist + 11)} L0,${f(waist + 5)} L${f(-tw * 0.06)},${f(waist + 11)} L${f(-tw * 0.56)},${f(waist + 11)} Z" fill="${bc}" stroke="${shade(bc, 0.6)}" stroke-width="1.2"/>`;
  }
  // shirt
  out += `<defs><clipPath id="${clip}"><path d="${torsoPath}"/></clipPath></defs>`;
  out += `<path d="${torsoPath}" fill="${spec.shirt}" stroke="${shade(spec.shirt, 0.6)}" stroke-width="1.3"/>`;
  out += shirtPattern(spec, -tw * 0.55, waist - torsoH, tw * 1.1, torsoH + 2, clip);
  // arms
  if (side) {
    out += arm(2, shoulderY, -25 * pose.stride + pose.armR * 0.3, spec);
  } else {
    out += arm(-tw * 0.42, shoulderY, -pose.armL, spec) + arm(tw * 0.42, shoulderY, pose.armR, spec);
  }
  // head
  const parts = animalParts(spec.animal, R, pose.view, spec.fur, spec.look);
  let head = '';
  if (back) head = parts.shape + parts.ears + parts.top;
  else head = parts.ears + parts.shape + parts.face + parts.top;
  out += `<g transform="translate(${f(side ? 2 : 0)} ${f(headY)})">${head}</g>`;
  return out;
}
