// Colour helpers for the SVG art: shade, mix and jitter hex colours.

export type Rgb = [number, number, number];

export function hexToRgb(hex: string): Rgb {
  const h = hex.replace('#', '');
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

export function rgbToHex([r, g, b]: Rgb): string {
  const c = (v: number) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0');
  return `#${c(r)}${c(g)}${c(b)}`;
}

/** Multiplies the colour by f (f < 1 darker); f > 1 moves towards white. */
export function shade(hex: string, f: number): string {
  const rgb = hexToRgb(hex);
  if (f <= 1) return rgbToHex(rgb.map((v) => v * f) as Rgb);
  const t = Math.min(1, f - 1);
  return rgbToHex(rgb.map((v) => v + (255 - v) * t) as Rgb);
}

/** Linear mix: t = 0 gives a, t = 1 gives b. */
export function mix(a: string, b: string, t: number): string {
  const x = hexToRgb(a);
  const y = hexToRgb(b);
  return rgbToHex([x[0] + (y[0] - x[0]) * t, x[1] + (y[1] - x[1]) * t, x[2] + (y[2] - x[2]) * t]);
}

/** The colour with each channel moved by up to +-amount (0-255), using the given random draw. */
export function jitter(hex: string, amount: number, rand: () => number): string {
  const rgb = hexToRgb(hex);
  const common = (rand() * 2 - 1) * amount;
  return rgbToHex(rgb.map((v) => v + common + (rand() * 2 - 1) * amount * 0.35) as Rgb);
}

/** Toon fur colours (the game's palette, roughly) and bright clothes colours. */
export const TOON_FUR = [
  '#ffffff', '#f3e6c8', '#f7d98b', '#f5b971', '#f08a3c', '#d9622b', '#c6453a', '#f59ab8', '#e96f9b',
  '#c58fe0', '#8f6fd8', '#7bb6f0', '#4f86d9', '#6fd0d0', '#8fe08f', '#4fb85a', '#d8e86a', '#ffe14f',
  '#b88a5a', '#8a5a3a', '#9a9a9a', '#5a5a5a', '#2f2f3a', '#e8c8a8', '#f6f09a', '#a4e0c0', '#d0a0ff',
];
export const CLOTHES = [
  '#e03a3a', '#f08a2a', '#f6d23a', '#4cc04c', '#2f9f8f', '#3a7ee0', '#3b5ba5', '#7a4fd0', '#e05aa8',
  '#ffffff', '#202020', '#8b5a2b', '#3f8f4f', '#8b1c3a', '#9ad0f0', '#f0a0c0', '#c0e080', '#a0a0a0',
  '#5a3a8a', '#d0b080', '#106070', '#f05050', '#304060', '#708030',
];
