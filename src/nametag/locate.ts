// Finds Cog nametags in a frame: the game prints a Cog's name, department and level in black
// typewriter letters on a translucent grey card centred above its head. The finder looks for what
// only such a card has: short lines of dark, colourless strokes on a lighter ground, stacked at a
// steady pitch and centred on one another. A Toon's tag (coloured letters) is not taken for a Cog's.
// Written by hand: no library finds text lines of one known layout, and this costs a few ms.
import type { RgbImage } from '../image.ts';

/** A box [x, y, w, h] in pixels. */
export type Bbox = [number, number, number, number];

/** A nametag card found in a frame. */
export interface FoundPlate {
  /** the card's box, cut to the frame */
  bbox: Bbox;
  /** line pitch in px (about one em of the typeface) */
  em: number;
  /** the text lines' boxes, top to bottom */
  lines: Bbox[];
  /** the card reaches the frame's edge: some of it may be cut off */
  cut: boolean;
  /** how much it looks like a Cog's tag, 0-1 */
  score: number;
}

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
const w = (r: Rect) => r.x1 - r.x0;
const h = (r: Rect) => r.y1 - r.y0;
const cx = (r: Rect) => (r.x0 + r.x1) / 2;
const cy = (r: Rect) => (r.y0 + r.y1) / 2;

/**
 * Grey-level dilation (max) or erosion (min) with a (2r+1)-square window: separable, each line by
 * van Herk / Gil-Werman (three comparisons a pixel whatever r).
 */
function filter2d(src: Uint8Array, W: number, H: number, r: number, max: boolean, rowsOnly = false): Uint8Array {
  const tmp = new Uint8Array(W * H);
  const out = new Uint8Array(W * H);
  const k = 2 * r + 1;
  const n = Math.max(W, H);
  const m = Math.ceil((n + 2 * r) / k) * k;
  const line = new Uint8Array(m);
  const g = new Uint8Array(m);
  const h2 = new Uint8Array(m);
  const pad = max ? 0 : 255;
  const pass = (from: Uint8Array, to: Uint8Array, count: number, len: number, start: (i: number) => number, step: number) => {
    for (let l = 0; l < count; l++) {
      const s0 = start(l);
      line.fill(pad);
      for (let j = 0; j < len; j++) line[j + r] = from[s0 + j * step]!;
      const mm = Math.ceil((len + 2 * r) / k) * k;
      if (max) {
        for (let i = 0; i < mm; i++) g[i] = i % k === 0 ? line[i]! : Math.max(g[i - 1]!, line[i]!);
        for (let i = mm - 1; i >= 0; i--) h2[i] = i % k === k - 1 || i === mm - 1 ? line[i]! : Math.max(h2[i + 1]!, line[i]!);
        for (let x = 0; x < len; x++) to[s0 + x * step] = Math.max(h2[x]!, g[x + 2 * r]!);
      } else {
        for (let i = 0; i < mm; i++) g[i] = i % k === 0 ? line[i]! : Math.min(g[i - 1]!, line[i]!);
        for (let i = mm - 1; i >= 0; i--) h2[i] = i % k === k - 1 || i === mm - 1 ? line[i]! : Math.min(h2[i + 1]!, line[i]!);
        for (let x = 0; x < len; x++) to[s0 + x * step] = Math.min(h2[x]!, g[x + 2 * r]!);
      }
    }
  };
  pass(src, tmp, H, W, (y) => y * W, 1);
  if (!rowsOnly) {
    pass(tmp, out, W, H, (x) => x, W);
    return out;
  }
  return tmp;
}

/** Dark, colourless pixels on a lighter ground inside `roi`: the letters of a Cog's tag. */
export function inkMask(img: RgbImage, roi: Rect): { mask: Uint8Array; W: number; H: number } {
  const W = roi.x1 - roi.x0;
  const H = roi.y1 - roi.y0;
  const lum = new Uint8Array(W * H);
  const chroma = new Uint8Array(W * H);
  const maxc = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = ((roi.y0 + y) * img.width + roi.x0 + x) * 3;
      const r = img.data[o]!;
      const g = img.data[o + 1]!;
      const b = img.data[o + 2]!;
      lum[y * W + x] = (r * 77 + g * 150 + b * 29) >> 8;
      maxc[y * W + x] = Math.max(r, g, b);
      chroma[y * W + x] = maxc[y * W + x]! - Math.min(r, g, b);
    }
  }
  const radius = Math.max(3, Math.round(img.height / 150));
  // The ground under thin dark strokes: a grey-level closing removes strokes up to 2r+1 wide (a
  // letter's strokes are narrower than that; a tree trunk is not).
  const ground = filter2d(filter2d(lum, W, H, radius, true), W, H, radius, false);
  const mask = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) {
    const L = lum[i]!;
    const G = ground[i]!;
    // Black letters darken the card without colouring it: the saturation stays the card's.
    const sat = chroma[i]! / Math.max(1, maxc[i]!);
    if (G >= 100 && L < 160 && L < G * 0.7 && G - L > 30 && (sat < 0.5 || maxc[i]! < 120 || chroma[i]! < 40)) mask[i] = 1;
  }
  // Small letters break into specks: joining each pixel to its left and right neighbours makes words.
  const joined = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    const o = y * W;
    for (let x = 0; x < W; x++) if (mask[o + x] || (x > 0 && mask[o + x - 1]) || (x + 1 < W && mask[o + x + 1])) joined[o + x] = 1;
  }
  return { mask: joined, W, H };
}

/** Connected pieces (8-neighbours) of a mask, as boxes with their pixel counts. */
function components(mask: Uint8Array, W: number, H: number): { pieces: (Rect & { n: number })[]; label: Int32Array } {
  const label = new Int32Array(W * H);
  const out: (Rect & { n: number })[] = [];
  const stack: number[] = [];
  for (let i = 0; i < W * H; i++) {
    if (!mask[i] || label[i]) continue;
    const id = out.length + 1;
    const r = { x0: W, y0: H, x1: 0, y1: 0, n: 0 };
    label[i] = id;
    stack.push(i);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % W;
      const y = (p - x) / W;
      r.n++;
      if (x < r.x0) r.x0 = x;
      if (y < r.y0) r.y0 = y;
      if (x + 1 > r.x1) r.x1 = x + 1;
      if (y + 1 > r.y1) r.y1 = y + 1;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= H) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= W) continue;
          const q = yy * W + xx;
          if (mask[q] && !label[q]) {
            label[q] = id;
            stack.push(q);
          }
        }
      }
    }
    out.push(r);
  }
  return { pieces: out, label };
}

/**
 * Tall pieces cut into bands of rows: a pole or a Cog's hat passing behind a tag joins its lines into
 * one piece, but adds only a few pixels to each row; rows with little ink end a band.
 */
function splitTall(pieces: readonly (Rect & { n: number })[], label: Int32Array, W: number): (Rect & { n: number })[] {
  const hs = pieces.filter((p) => h(p) >= 2 && p.n >= 4).map(h).sort((a, b) => a - b);
  const typical = hs.length ? hs[Math.floor(hs.length / 2)]! : 4;
  const out: (Rect & { n: number })[] = [];
  pieces.forEach((p, k) => {
    if (h(p) < 8 || h(p) <= 1.8 * typical) {
      out.push(p);
      return;
    }
    const id = k + 1;
    const rows: { n: number; x0: number; x1: number }[] = [];
    for (let y = p.y0; y < p.y1; y++) {
      let n = 0;
      let x0 = p.x1;
      let x1 = p.x0;
      for (let x = p.x0; x < p.x1; x++) {
        if (label[y * W + x] === id) {
          n++;
          if (x < x0) x0 = x;
          if (x + 1 > x1) x1 = x + 1;
        }
      }
      rows.push({ n, x0, x1 });
    }
    const peak = Math.max(...rows.map((r) => r.n));
    const floor = Math.max(4, 0.2 * peak);
    let band: (Rect & { n: number }) | undefined;
    rows.forEach((r, i) => {
      if (r.n >= floor) {
        if (!band) band = { x0: r.x0, y0: p.y0 + i, x1: r.x1, y1: p.y0 + i + 1, n: 0 };
        band.x0 = Math.min(band.x0, r.x0);
        band.x1 = Math.max(band.x1, r.x1);
        band.y1 = p.y0 + i + 1;
        band.n += r.n;
      } else if (band) {
        out.push(band);
        band = undefined;
      }
    });
    if (band) out.push(band);
  });
  return out;
}

/** Pieces joined into text lines: side by side, overlapping in height, letter-sized gaps. */
function textLines(pieces: readonly (Rect & { n: number })[], maxH: number): (Rect & { parts: number })[] {
  const ps = pieces.filter((p) => h(p) >= 2 && h(p) <= maxH && w(p) <= 14 * maxH && p.n >= 4).sort((a, b) => a.x0 - b.x0);
  const done: (Rect & { parts: number })[] = [];
  let open: (Rect & { parts: number })[] = [];
  for (const p of ps) {
    // Pieces come left to right: a line that ended too far left of this piece takes no more.
    if (open.length > 64) {
      const still: (Rect & { parts: number })[] = [];
      for (const l of open) (p.x0 - l.x1 > 1.6 * maxH ? done : still).push(l);
      open = still;
    }
    let best: (Rect & { parts: number }) | undefined;
    let bestOverlap = 0;
    const ph = p.y1 - p.y0;
    for (const l of open) {
      const lh0 = l.y1 - l.y0;
      const lh = lh0 > ph ? lh0 : ph;
      if (p.x0 - l.x1 > 1.6 * lh || p.x0 < l.x0) continue;
      const ov = Math.min(l.y1, p.y1) - Math.max(l.y0, p.y0);
      if (ov <= bestOverlap || ov < 0.5 * Math.min(lh0, ph)) continue;
      if (ph <= 2.2 * lh0 && lh0 <= 2.2 * ph) {
        best = l;
        bestOverlap = ov;
      }
    }
    if (best) {
      best.x1 = Math.max(best.x1, p.x1);
      best.y0 = Math.min(best.y0, p.y0);
      best.y1 = Math.max(best.y1, p.y1);
      best.parts++;
    } else open.push({ x0: p.x0, y0: p.y0, x1: p.x1, y1: p.y1, parts: 1 });
  }
  const lines = [...done, ...open];
  // A line of a tag is 3 to 14 letters: wider than high, not a lone dot or a long rule.
  return lines.filter((l) => w(l) >= 1.4 * h(l) && w(l) <= 13 * h(l) && h(l) >= 2);
}

/** Lines stacked into tags: a steady pitch, centred on one another, of like height. */
function stackLines(lines: readonly Rect[]): Rect[][] {
  const ls = [...lines].sort((a, b) => cy(a) - cy(b));
  const centres = ls.map(cy);
  const used = new Uint8Array(ls.length);
  const stacks: Rect[][] = [];
  for (let i = 0; i < ls.length; i++) {
    if (used[i]) continue;
    const chain = [i];
    for (;;) {
      const lastAt = chain[chain.length - 1]!;
      const last = ls[lastAt]!;
      let next = -1;
      let nextCost = Infinity;
      // Only lines whose centre is up to 2.3 line heights lower can follow (sorted by centre).
      for (let j = lastAt + 1; j < ls.length && centres[j]! - centres[lastAt]! <= 2.3 * 1.8 * h(last); j++) {
        if (used[j]) continue;
        const c = ls[j]!;
        const lh = Math.max(h(last), h(c));
        const pitch = centres[j]! - centres[lastAt]!;
        if (pitch < 0.95 * lh || pitch > 2.3 * lh) continue;
        if (Math.abs(cx(c) - cx(last)) > 0.9 * lh + 0.08 * Math.max(w(c), w(last))) continue;
        if (h(c) > 1.8 * h(last) || h(last) > 1.8 * h(c)) continue;
        const cost = Math.abs(cx(c) - cx(last)) / lh + Math.abs(pitch / lh - 1.45);
        if (cost < nextCost) {
          next = j;
          nextCost = cost;
        }
      }
      if (next < 0 || chain.length >= 5) break;
      chain.push(next);
    }
    if (chain.length >= 2) {
      chain.forEach((k) => (used[k] = 1));
      stacks.push(chain.map((k) => ls[k]!));
    }
  }
  return stacks;
}

/** The card around a stack of lines, and how tag-like the stack is. */
function plateOf(stack: readonly Rect[], roi: Rect, frame: { width: number; height: number }): FoundPlate {
  const pitches = stack.slice(1).map((l, i) => cy(l) - cy(stack[i]!));
  const meanH = stack.reduce((a, l) => a + h(l), 0) / stack.length;
  const em = pitches.length ? pitches.reduce((a, b) => a + b, 0) / pitches.length : meanH / 0.75;
  const x0 = Math.min(...stack.map((l) => l.x0)) + roi.x0;
  const x1 = Math.max(...stack.map((l) => l.x1)) + roi.x0;
  const y0 = stack[0]!.y0 + roi.y0;
  const y1 = stack[stack.length - 1]!.y1 + roi.y0;
  const bx0 = Math.max(0, Math.round(x0 - 0.18 * em));
  const bx1 = Math.min(frame.width, Math.round(x1 + 0.18 * em));
  const by0 = Math.max(0, Math.round(y0 - 0.3 * em));
  const by1 = Math.min(frame.height, Math.round(y1 + 0.35 * em));
  const cut = bx0 <= 0 || by0 <= 0 || bx1 >= frame.width || by1 >= frame.height;
  // 3 or 4 lines is a whole tag; a steady pitch and centred lines make it surer, and so do the
  // widths of its last two lines: the department (6-7 letters) and "Level N" (7-8, 12-13 with v2.0).
  const centres = stack.map(cx);
  const spread = (Math.max(...centres) - Math.min(...centres)) / em;
  const pitchSpread = pitches.length ? (Math.max(...pitches) - Math.min(...pitches)) / em : 0;
  const count = stack.length === 3 || stack.length === 4 ? 1 : stack.length === 2 ? 0.55 : 0.7;
  const near = (v: number, targets: number[]) => Math.exp(-(Math.min(...targets.map((t) => Math.abs(v - t))) ** 2) / (2 * 0.7 ** 2));
  const widths = stack.map((l) => w(l) / em);
  const layout = stack.length >= 3 ? Math.sqrt(near(widths[widths.length - 1]!, [4.0, 4.6, 7.0, 7.6]) * near(widths[widths.length - 2]!, [3.4, 4.0])) : 0.6;
  const score = Math.max(0, Math.min(1, count * layout * (1 - 0.5 * Math.min(1, spread)) * (1 - 0.5 * Math.min(1, pitchSpread * 2))));
  return {
    bbox: [bx0, by0, bx1 - bx0, by1 - by0],
    em,
    lines: stack.map((l) => [l.x0 + roi.x0, l.y0 + roi.y0, w(l), h(l)] as Bbox),
    cut,
    score,
  };
}

function clampRect(r: Rect, img: { width: number; height: number }): Rect {
  return {
    x0: Math.max(0, Math.floor(r.x0)),
    y0: Math.max(0, Math.floor(r.y0)),
    x1: Math.min(img.width, Math.ceil(r.x1)),
    y1: Math.min(img.height, Math.ceil(r.y1)),
  };
}

/** The best-scoring run of at least three lines of a stack (a stack may take in a line above or below its tag). */
function bestPart(stack: readonly Rect[], roi: Rect, frame: { width: number; height: number }): FoundPlate {
  let best = plateOf(stack, roi, frame);
  for (let len = Math.min(3, stack.length); len < stack.length; len++) {
    for (let i = 0; i + len <= stack.length; i++) {
      const p = plateOf(stack.slice(i, i + len), roi, frame);
      if (p.score > best.score) best = p;
    }
  }
  return best;
}

/** Below this line pitch (px) no tag is legible. */
export const MIN_EM = 4;

/** Every Cog tag card in `img` (or in the region [x, y, w, h] of it), surest first. */
export function findPlates(img: RgbImage, region?: Bbox): FoundPlate[] {
  const roi = clampRect(region ? { x0: region[0], y0: region[1], x1: region[0] + region[2], y1: region[1] + region[3] } : { x0: 0, y0: 0, x1: img.width, y1: img.height }, img);
  if (w(roi) < 4 || h(roi) < 4) return [];
  const { mask, W, H } = inkMask(img, roi);
  // A tag's line is at most about 4.5% of the frame's height (a Cog right in front of the camera).
  const maxH = Math.max(8, Math.round(img.height * 0.045));
  const { pieces, label } = components(mask, W, H);
  const lines = textLines(splitTall(pieces, label, W), maxH);
  return stackLines(lines)
    .map((s) => bestPart(s, roi, img))
    .filter((p) => p.em >= MIN_EM)
    .sort((a, b) => b.score - a.score);
}

/** Where a Cog's tag is looked for: above its box ([x, y, w, h], tag outside it), a little into it. */
export function searchRegion(img: { width: number; height: number }, box: Bbox): Bbox {
  const [x, y, bw, bh] = box;
  const half = Math.max(0.9 * bw, 0.09 * img.height);
  const above = Math.max(0.28 * img.height, 1.2 * bw);
  const r = clampRect({ x0: x + bw / 2 - half, y0: y - above, x1: x + bw / 2 + half, y1: y + 0.3 * bh }, img);
  return [r.x0, r.y0, w(r), h(r)];
}

/** How well a card sits over a box: centred above its head. Infinity when it cannot be its tag. */
export function fitCost(plate: FoundPlate, box: Bbox): number {
  const [x, y, bw, bh] = box;
  const pcx = plate.bbox[0] + plate.bbox[2] / 2;
  const bottom = plate.bbox[1] + plate.bbox[3];
  const dx = Math.abs(pcx - (x + bw / 2));
  // Unless cut, the card's centre sits over the box; its bottom a little above the box's top.
  if (!plate.cut && dx > 0.35 * bw + 1.2 * plate.em) return Infinity;
  const gap = y - bottom;
  if (gap < -0.3 * bh - plate.em || gap > 3.5 * plate.em + 0.2 * bh) return Infinity;
  return dx / (bw + plate.em) + Math.abs(gap - 0.8 * plate.em) / (4 * plate.em + 0.1 * bh) + 2 * (1 - plate.score);
}

/** The tag of the Cog in `box`, looked for above it; undefined when none is seen. */
export function locateTag(img: RgbImage, box: Bbox): FoundPlate | undefined {
  let best: FoundPlate | undefined;
  let bestCost = Infinity;
  for (const p of findPlates(img, searchRegion(img, box))) {
    const c = fitCost(p, box);
    if (c < bestCost) {
      best = p;
      bestCost = c;
    }
  }
  return best;
}

/** Gives each box the card that fits it best, each card to one box at most (cheapest pairs first). */
export function assignPlates(plates: readonly FoundPlate[], boxes: readonly Bbox[]): (FoundPlate | undefined)[] {
  const pairs: { p: number; b: number; c: number }[] = [];
  plates.forEach((p, i) => boxes.forEach((b, j) => {
    const c = fitCost(p, b);
    if (Number.isFinite(c)) pairs.push({ p: i, b: j, c });
  }));
  pairs.sort((a, b) => a.c - b.c);
  const out: (FoundPlate | undefined)[] = boxes.map(() => undefined);
  const taken = new Set<number>();
  for (const { p, b } of pairs) {
    if (out[b] || taken.has(p)) continue;
    out[b] = plates[p];
    taken.add(p);
  }
  return out;
}
