// Small SVG helpers shared by the sprites.

/** A number for SVG text: one decimal, no trailing zeros. */
export const f = (v: number): string => (Math.round(v * 10) / 10).toString();

/** An SVG document of the unit-space rectangle [x0, x1] x [y0, y1] drawn `ppu` pixels per unit, mirrored when `flip`. */
export function spriteSvg(body: string, x0: number, y0: number, x1: number, y1: number, ppu: number, flip = false): string {
  const w = Math.max(1, Math.ceil((x1 - x0) * ppu));
  const h = Math.max(1, Math.ceil((y1 - y0) * ppu));
  const inner = flip ? `<g transform="scale(-1,1)">${body}</g>` : body;
  const vx = flip ? -x1 : x0;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="${f(vx)} ${f(y0)} ${f(x1 - x0)} ${f(y1 - y0)}">${inner}</svg>`;
}

/** A stroked line from (x1,y1) at `angle` degrees from straight down (positive = towards +x), `len` long. */
export function limbEnd(x: number, y: number, angle: number, len: number): [number, number] {
  const r = (angle * Math.PI) / 180;
  return [x + Math.sin(r) * len, y + Math.cos(r) * len];
}

/** A closed outline through samples of a tapered superellipse: w x h, `n` squareness (2 = ellipse), widths at top/bottom. */
export function blobPath(cx: number, cy: number, w: number, h: number, n: number, top: number, bottom: number, samples = 48): string {
  let d = '';
  for (let i = 0; i < samples; i++) {
    const t = (i / samples) * Math.PI * 2;
    const c = Math.cos(t);
    const s = Math.sin(t);
    const yy = Math.sign(s) * Math.pow(Math.abs(s), 2 / n);
    const taper = top + (bottom - top) * ((yy + 1) / 2);
    const xx = Math.sign(c) * Math.pow(Math.abs(c), 2 / n) * taper;
    d += `${i ? 'L' : 'M'}${f(cx + (xx * w) / 2)},${f(cy + (yy * h) / 2)}`;
  }
  return `${d}Z`;
}
