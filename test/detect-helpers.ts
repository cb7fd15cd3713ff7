// Throwaway coloured-shape scenes for the detector tests: a cluttered background with "Cogs" (dark
// suit-coloured bodies, grey round heads) and "Toons" (bright bodies, big heads with two ears).
import seedrandom from 'seedrandom';
import type { RgbImage } from '../src/image.ts';
import type { DetectorScene } from '../src/detect/index.ts';

function fillRect(img: RgbImage, x0: number, y0: number, x1: number, y1: number, rgb: number[]): void {
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(img.height, Math.ceil(y1)); y++) {
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(img.width, Math.ceil(x1)); x++) {
      img.data.set(rgb, (y * img.width + x) * 3);
    }
  }
}

function fillEllipse(img: RgbImage, cx: number, cy: number, rx: number, ry: number, rgb: number[]): void {
  for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(img.height, Math.ceil(cy + ry)); y++) {
    for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(img.width, Math.ceil(cx + rx)); x++) {
      const dx = (x + 0.5 - cx) / rx;
      const dy = (y + 0.5 - cy) / ry;
      if (dx * dx + dy * dy <= 1) img.data.set(rgb, (y * img.width + x) * 3);
    }
  }
}

/** One toy scene; same seed and index, same pixels. */
export function toyScene(seed: number, index: number, width = 200, height = 150, maxObjects = 4): DetectorScene {
  const rng = seedrandom(`toy-${seed}-${index}`);
  const r = (a: number, b: number) => a + (b - a) * rng();
  const img: RgbImage = { data: new Uint8Array(width * height * 3), width, height };
  const sky = [r(120, 200), r(150, 220), r(200, 255)].map(Math.round);
  fillRect(img, 0, 0, width, height * 0.45, sky);
  fillRect(img, 0, height * 0.45, width, height, [r(60, 120), r(90, 150), r(40, 90)].map(Math.round));
  for (let i = 0; i < 6; i++) {
    const x = r(0, width);
    const y = r(0, height * 0.5);
    fillRect(img, x, y, x + r(10, width / 4), y + r(10, height / 3), [r(60, 200), r(60, 200), r(60, 200)].map(Math.round));
  }
  const objects: DetectorScene['objects'] = [];
  const n = 1 + Math.floor(rng() * maxObjects);
  const slot = width / n;
  for (let i = 0; i < n; i++) {
    const toon = rng() < 0.5;
    const w = r(width * 0.06, Math.min(slot * 0.8, width * 0.2));
    const h = w * r(1.6, 2.4);
    const x0 = i * slot + r(0, slot - w);
    const y0 = r(height * 0.3, height - h);
    if (y0 < 0) continue;
    if (toon) {
      fillRect(img, x0 + w * 0.15, y0 + h * 0.4, x0 + w * 0.85, y0 + h, [r(200, 255), r(0, 80), r(150, 255)].map(Math.round));
      fillEllipse(img, x0 + w / 2, y0 + h * 0.25, w * 0.5, h * 0.18, [255, 220, 60]);
      fillEllipse(img, x0 + w * 0.2, y0 + h * 0.07, w * 0.2, h * 0.07, [255, 220, 60]);
      fillEllipse(img, x0 + w * 0.8, y0 + h * 0.07, w * 0.2, h * 0.07, [255, 220, 60]);
      objects.push({ label: 'toon_dog', box: { xmin: Math.round(x0), ymin: Math.round(y0), xmax: Math.round(x0 + w), ymax: Math.round(y0 + h) } });
    } else {
      fillRect(img, x0, y0 + h * 0.25, x0 + w, y0 + h, [r(20, 60), r(20, 60), r(60, 110)].map(Math.round));
      fillEllipse(img, x0 + w / 2, y0 + h * 0.13, w * 0.35, h * 0.13, [150, 150, 150]);
      objects.push({ label: 'cog_bb_flunky', box: { xmin: Math.round(x0), ymin: Math.round(y0), xmax: Math.round(x0 + w), ymax: Math.round(y0 + h) } });
    }
  }
  return { image: img, objects, file: `toy_${seed}_${index}` };
}

export function toyScenes(seed: number, count: number, width = 200, height = 150): DetectorScene[] {
  return Array.from({ length: count }, (_, i) => toyScene(seed, i, width, height));
}

/**
 * NanoDet-shaped outputs (per stride an [n, 80] score map and an [n, 4 x bins] distance map) with no
 * score anywhere and every side's distance at `bin`; `edit` sets the cells a test needs.
 */
export function fakeNanodetOutputs(
  info: { inputSize: number; bins: number; strides: readonly number[] },
  bin: number,
  edit?: (stride: number, scores: Float32Array, dists: Float32Array) => void,
): { data: Float32Array; shape: number[] }[] {
  return info.strides.flatMap((s) => {
    const n = (info.inputSize / s) ** 2;
    const scores = new Float32Array(n * 80);
    const dists = new Float32Array(n * 4 * info.bins).fill(-50);
    for (let i = 0; i < n * 4; i++) dists[i * info.bins + bin] = 50;
    edit?.(s, scores, dists);
    return [{ data: scores, shape: [1, n, 80] }, { data: dists, shape: [1, n, 4 * info.bins] }];
  });
}
