// The street behind the entities: sky and clouds, a row of cartoon building fronts with doors and
// windows, trees and lamp posts, a sidewalk with a curb, and the street (flagstones or asphalt).
import { mix, shade } from './colour.ts';
import type { Rng } from './rng.ts';

const BUILDING = ['#f6a23a', '#f7d154', '#f28a6a', '#e8646a', '#7fc8c0', '#b98ad8', '#9ad06a', '#f4c3d8', '#f0e0a0', '#e9b870', '#8ab8e8', '#f07f3f'];
const TRIM = ['#3f9f4f', '#2f6fb0', '#c03a3a', '#7a4a2a', '#e0e0e0', '#404060', '#d07a20', '#8a3aa0'];
const DOOR = ['#3f9f4f', '#c03a3a', '#2f6fb0', '#7a4a2a', '#e0a020', '#8a3aa0', '#d05a8a'];

export interface Street {
  svg: string;
  /** feet of entities stand between these rows (far to near) */
  groundFar: number;
  groundNear: number;
}

const f = (v: number) => (Math.round(v * 10) / 10).toString();

function cloud(rng: Rng, cx: number, cy: number, s: number): string {
  let out = '';
  const n = rng.int(3, 6);
  for (let i = 0; i < n; i++) {
    const x = cx + (i - n / 2) * s * 0.55 + rng.range(-5, 5) * s * 0.05;
    const y = cy + rng.range(-0.25, 0.1) * s;
    out += `<ellipse cx="${f(x)}" cy="${f(y)}" rx="${f(s * rng.range(0.45, 0.7))}" ry="${f(s * rng.range(0.3, 0.45))}"/>`;
  }
  return out;
}

function windowSvg(rng: Rng, x: number, y: number, w: number, h: number, trim: string, style: number): string {
  const glass = rng.pick(['#3a5a7a', '#2a4a6a', '#5a7a9a', '#23384f']);
  const t = shade(trim, 0.8);
  switch (style) {
    case 0: // round window with a frame
      return `<circle cx="${f(x + w / 2)}" cy="${f(y + h / 2)}" r="${f(Math.min(w, h) / 2)}" fill="${trim}" stroke="${t}" stroke-width="2"/>` +
        `<circle cx="${f(x + w / 2)}" cy="${f(y + h / 2)}" r="${f(Math.min(w, h) / 2 - 4)}" fill="${glass}"/>` +
        `<line x1="${f(x + w / 2)}" y1="${f(y + h / 2 - Math.min(w, h) / 2 + 4)}" x2="${f(x + w / 2)}" y2="${f(y + h / 2 + Math.min(w, h) / 2 - 4)}" stroke="${trim}" stroke-width="2"/>`;
    case 1: { // arched window with shutters
      const r = w / 2;
      return `<rect x="${f(x - w * 0.3)}" y="${f(y + r * 0.6)}" width="${f(w * 0.28)}" height="${f(h - r * 0.6)}" rx="3" fill="${trim}"/>` +
        `<rect x="${f(x + w * 1.02)}" y="${f(y + r * 0.6)}" width="${f(w * 0.28)}" height="${f(h - r * 0.6)}" rx="3" fill="${trim}"/>` +
        `<path d="M${f(x)},${f(y + h)} L${f(x)},${f(y + r)} A${f(r)},${f(r)} 0 0 1 ${f(x + w)},${f(y + r)} L${f(x + w)},${f(y + h)} Z" fill="${glass}" stroke="${t}" stroke-width="3"/>` +
        `<line x1="${f(x)}" y1="${f(y + h * 0.55)}" x2="${f(x + w)}" y2="${f(y + h * 0.55)}" stroke="${t}" stroke-width="2"/>`;
    }
    default: // rounded rectangle with panes
      return `<rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}" rx="${f(w * 0.25)}" fill="${glass}" stroke="${trim}" stroke-width="4"/>` +
        `<line x1="${f(x + w / 2)}" y1="${f(y + 2)}" x2="${f(x + w / 2)}" y2="${f(y + h - 2)}" stroke="${trim}" stroke-width="2"/>` +
        `<rect x="${f(x - 3)}" y="${f(y + h - 2)}" width="${f(w + 6)}" height="5" fill="${t}"/>`;
  }
}

function building(rng: Rng, x: number, w: number, top: number, base: number, k: number): string {
  const wall = rng.pick(BUILDING);
  const trim = rng.pick(TRIM);
  const h = base - top;
  let out = `<rect x="${f(x)}" y="${f(top)}" width="${f(w)}" height="${f(h + 2)}" fill="${wall}" stroke="${shade(wall, 0.7)}" stroke-width="${f(2 * k)}"/>`;
  // lower storey band and stone blocks
  out += `<rect x="${f(x)}" y="${f(base - h * 0.12)}" width="${f(w)}" height="${f(h * 0.12)}" fill="${shade(wall, 0.85)}"/>`;
  for (let i = 0; i < rng.int(2, 6); i++) {
    out += `<rect x="${f(x + rng.range(0.05, 0.85) * w)}" y="${f(top + rng.range(0.2, 0.8) * h)}" width="${f(rng.range(12, 26) * k)}" height="${f(rng.range(6, 10) * k)}" rx="${f(3 * k)}" fill="${shade(wall, 0.88)}"/>`;
  }
  // roof: cornice, sloped roof or round tower top
  const roof = rng.int(0, 2);
  if (roof === 0) {
    out += `<rect x="${f(x - 4 * k)}" y="${f(top - 10 * k)}" width="${f(w + 8 * k)}" height="${f(14 * k)}" rx="${f(4 * k)}" fill="${trim}"/>`;
  } else if (roof === 1) {
    out += `<path d="M${f(x - 8 * k)},${f(top + 4 * k)} L${f(x + w / 2)},${f(top - rng.range(25, 55) * k)} L${f(x + w + 8 * k)},${f(top + 4 * k)} Z" fill="${rng.pick(['#c03a3a', '#7a4a2a', '#3f6f9f', '#5a8a3a'])}"/>`;
  } else {
    out += `<ellipse cx="${f(x + w / 2)}" cy="${f(top)}" rx="${f(w / 2 + 4 * k)}" ry="${f(18 * k)}" fill="${trim}"/>`;
  }
  // windows
  const style = rng.int(0, 2);
  const ww = rng.range(26, 40) * k;
  const wh = style === 0 ? ww : ww * rng.range(1.1, 1.5);
  const cols = Math.max(1, Math.floor((w - 20 * k) / (ww * 2.2)));
  const rows = Math.max(1, Math.floor((h * 0.62) / (wh * 1.6)));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (rng.chance(0.15)) continue;
      const cx = x + (w / cols) * (c + 0.5) - ww / 2;
      const cy = top + 18 * k + r * wh * 1.6;
      out += windowSvg(rng, cx, cy, ww, wh, trim, style);
    }
  }
  // door (arched), sometimes an awning and a sign
  const dw = rng.range(40, 60) * k;
  const dh = Math.min(h * 0.45, rng.range(70, 95) * k);
  const dx = x + rng.range(0.2, 0.8) * w - dw / 2;
  const door = rng.pick(DOOR);
  out += `<path d="M${f(dx)},${f(base)} L${f(dx)},${f(base - dh + dw / 2)} A${f(dw / 2)},${f(dw / 2)} 0 0 1 ${f(dx + dw)},${f(base - dh + dw / 2)} L${f(dx + dw)},${f(base)} Z" fill="${door}" stroke="${shade(door, 0.6)}" stroke-width="${f(4 * k)}"/>`;
  out += `<line x1="${f(dx + dw / 2)}" y1="${f(base - dh + 6 * k)}" x2="${f(dx + dw / 2)}" y2="${f(base)}" stroke="${shade(door, 0.6)}" stroke-width="${f(2 * k)}"/>`;
  out += `<circle cx="${f(dx + dw * 0.8)}" cy="${f(base - dh * 0.4)}" r="${f(3 * k)}" fill="#f0d040"/>`;
  if (rng.chance(0.45)) {
    const ac = rng.pick(['#e03a3a', '#3a9a4a', '#3a6ae0', '#f0a020']);
    const ay = base - dh - 14 * k;
    let stripes = '';
    for (let i = 0; i < 6; i++) stripes += `<rect x="${f(dx - 12 * k + i * (dw + 24 * k) / 6)}" y="${f(ay)}" width="${f((dw + 24 * k) / 12)}" height="${f(16 * k)}" fill="#ffffff"/>`;
    out += `<rect x="${f(dx - 12 * k)}" y="${f(ay)}" width="${f(dw + 24 * k)}" height="${f(16 * k)}" rx="${f(3 * k)}" fill="${ac}"/>${stripes}`;
  }
  if (rng.chance(0.4)) {
    const sw = Math.min(w * 0.7, 110 * k);
    out += `<rect x="${f(x + w / 2 - sw / 2)}" y="${f(top + h * 0.5)}" width="${f(sw)}" height="${f(22 * k)}" rx="${f(11 * k)}" fill="${rng.pick(['#f0e0a0', '#ffffff', '#a0d0f0'])}" stroke="${trim}" stroke-width="${f(3 * k)}"/>`;
  }
  return out;
}

function tree(rng: Rng, x: number, base: number, k: number): string {
  const h = rng.range(140, 230) * k;
  const g = rng.pick(['#3fae4f', '#5cc04a', '#2f9a5a', '#7ac040']);
  let out = `<path d="M${f(x - 9 * k)},${f(base)} Q${f(x - 4 * k)},${f(base - h * 0.5)} ${f(x - 6 * k)},${f(base - h * 0.7)} L${f(x + 6 * k)},${f(base - h * 0.7)} Q${f(x + 4 * k)},${f(base - h * 0.5)} ${f(x + 9 * k)},${f(base)} Z" fill="#8a5a3a"/>`;
  for (let i = 0; i < 7; i++) {
    const cx = x + rng.range(-45, 45) * k;
    const cy = base - h * rng.range(0.7, 1.0);
    out += `<circle cx="${f(cx)}" cy="${f(cy)}" r="${f(rng.range(28, 45) * k)}" fill="${i % 2 ? g : shade(g, 0.85)}"/>`;
  }
  return out;
}

function lamp(x: number, base: number, k: number): string {
  const h = 150 * k;
  const c = '#3aa0a0';
  return `<rect x="${f(x - 3 * k)}" y="${f(base - h)}" width="${f(6 * k)}" height="${f(h)}" fill="${c}"/>` +
    `<path d="M${f(x - 12 * k)},${f(base)} L${f(x + 12 * k)},${f(base)} L${f(x + 5 * k)},${f(base - 16 * k)} L${f(x - 5 * k)},${f(base - 16 * k)} Z" fill="${shade(c, 0.8)}"/>` +
    `<path d="M${f(x - 10 * k)},${f(base - h)} L${f(x + 10 * k)},${f(base - h)} L${f(x + 7 * k)},${f(base - h - 24 * k)} L${f(x - 7 * k)},${f(base - h - 24 * k)} Z" fill="#f8e870" stroke="${c}" stroke-width="${f(3 * k)}"/>`;
}

function hydrant(x: number, base: number, k: number): string {
  return `<rect x="${f(x - 8 * k)}" y="${f(base - 30 * k)}" width="${f(16 * k)}" height="${f(30 * k)}" rx="${f(4 * k)}" fill="#d02a2a"/>` +
    `<circle cx="${f(x)}" cy="${f(base - 31 * k)}" r="${f(8 * k)}" fill="#e03a3a"/><rect x="${f(x - 13 * k)}" y="${f(base - 22 * k)}" width="${f(26 * k)}" height="${f(7 * k)}" rx="${f(3 * k)}" fill="#b02020"/>`;
}

function mailbox(x: number, base: number, k: number): string {
  return `<rect x="${f(x - 3 * k)}" y="${f(base - 30 * k)}" width="${f(6 * k)}" height="${f(30 * k)}" fill="#6a4a2a"/>` +
    `<rect x="${f(x - 14 * k)}" y="${f(base - 52 * k)}" width="${f(28 * k)}" height="${f(24 * k)}" rx="${f(10 * k)}" fill="#e08a2a" stroke="#a05a1a" stroke-width="${f(2 * k)}"/>`;
}

/** An SVG street scene of width x height pixels. */
export function streetSvg(rng: Rng, width: number, height: number): Street {
  const k = height / 600;
  const base = height * rng.range(0.44, 0.54); // where the buildings meet the sidewalk
  const walk = base + height * rng.range(0.06, 0.09); // the curb
  const skyTop = rng.pick(['#2f6fd8', '#3a80e0', '#2a5ac0', '#4a90e8', '#6aa0d8']);
  const skyBottom = mix(skyTop, '#ffffff', rng.range(0.45, 0.75));
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`;
  svg += `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${skyTop}"/><stop offset="1" stop-color="${skyBottom}"/></linearGradient></defs>`;
  svg += `<rect width="${width}" height="${f(base + 2)}" fill="url(#sky)"/>`;
  svg += `<g fill="#ffffff" opacity="0.95">`;
  for (let i = 0; i < rng.int(3, 7); i++) svg += cloud(rng, rng.range(0, width), rng.range(0.04, 0.3) * height, rng.range(40, 80) * k);
  svg += `</g>`;
  // far layer of paler buildings, then the front row
  let x = -rng.range(0, 80) * k;
  while (x < width) {
    const w = rng.range(0.12, 0.25) * width;
    const top = base - rng.range(0.22, 0.42) * height;
    svg += `<rect x="${f(x)}" y="${f(top)}" width="${f(w)}" height="${f(base - top)}" fill="${mix(rng.pick(BUILDING), skyBottom, 0.45)}"/>`;
    x += w + rng.range(0, 40) * k;
  }
  x = -rng.range(0, 60) * k;
  const gaps: number[] = [];
  while (x < width) {
    const w = rng.range(0.17, 0.34) * width;
    const top = base - rng.range(0.18, 0.36) * height;
    svg += building(rng, x, w, top, base, k);
    x += w;
    if (rng.chance(0.35)) {
      gaps.push(x + 20 * k);
      x += rng.range(30, 70) * k;
    }
  }
  for (const gx of gaps) svg += tree(rng, gx, base + 4 * k, k);
  // sidewalk with tiles and a curb
  const side = rng.pick(['#e8d8b0', '#d8c8a0', '#e0d0c0', '#c8c0b0']);
  svg += `<rect x="0" y="${f(base)}" width="${width}" height="${f(walk - base)}" fill="${side}"/>`;
  for (let tx = rng.range(-40, 0) * k; tx < width; tx += rng.range(50, 70) * k) {
    svg += `<line x1="${f(tx)}" y1="${f(base)}" x2="${f(tx - 20 * k)}" y2="${f(walk)}" stroke="${shade(side, 0.85)}" stroke-width="${f(1.5 * k)}"/>`;
  }
  // props on the sidewalk
  for (let i = 0; i < rng.int(1, 4); i++) {
    const px = rng.range(0.03, 0.97) * width;
    const py = base + rng.range(0.3, 0.8) * (walk - base);
    const kind = rng.int(0, 3);
    svg += kind === 0 ? lamp(px, py, k) : kind === 1 ? hydrant(px, py, k) : kind === 2 ? mailbox(px, py, k) : tree(rng, px, py, k);
  }
  svg += `<rect x="0" y="${f(walk)}" width="${width}" height="${f(8 * k)}" fill="${shade(side, 0.78)}"/>`;
  // the street
  const flag = rng.chance(0.65);
  const road = flag ? rng.pick(['#e8c890', '#e0bc84', '#d8b482', '#eccf9c']) : rng.pick(['#8a8a92', '#7a7a84', '#9a9286']);
  svg += `<rect x="0" y="${f(walk + 8 * k)}" width="${width}" height="${f(height - walk)}" fill="${road}"/>`;
  if (flag) {
    // flagstones: darker outlines, bigger towards the viewer
    svg += `<g fill="none" stroke="${shade(road, 0.82)}" stroke-width="${f(2 * k)}">`;
    for (let y = walk + 14 * k; y < height; ) {
      const t = (y - walk) / (height - walk);
      const sh = (10 + 36 * t) * k;
      for (let fx = rng.range(-30, 0) * k; fx < width; ) {
        const sw = sh * rng.range(1.4, 2.4);
        svg += `<rect x="${f(fx + 2)}" y="${f(y)}" width="${f(sw - 4)}" height="${f(sh - 3)}" rx="${f(sh * 0.4)}" fill="${rng.chance(0.3) ? shade(road, rng.range(0.93, 1.04)) : 'none'}"/>`;
        fx += sw;
      }
      y += sh;
    }
    svg += `</g>`;
  } else {
    const ly = walk + (height - walk) * rng.range(0.45, 0.6);
    for (let lx = rng.range(-60, 0) * k; lx < width; lx += 110 * k) {
      svg += `<rect x="${f(lx)}" y="${f(ly)}" width="${f(60 * k)}" height="${f(7 * k)}" fill="#f0e070"/>`;
    }
    for (let i = 0; i < 120; i++) {
      svg += `<circle cx="${f(rng.range(0, width))}" cy="${f(rng.range(walk + 10 * k, height))}" r="${f(rng.range(1, 3) * k)}" fill="${shade(road, rng.range(0.85, 1.1))}"/>`;
    }
  }
  svg += `</svg>`;
  return { svg, groundFar: base + (walk - base) * 0.45, groundNear: height - 6 * k };
}
