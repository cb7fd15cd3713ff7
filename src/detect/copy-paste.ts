// Copy-paste augmentation: the labelled characters of some screenshots pasted (scaled, sometimes
// mirrored) onto others, away from the characters already there, so that 20 labelled screenshots
// give the detector's rescorer more characters on more backgrounds. Each composite says which
// screenshots it came from, so that cross-validation never trains on a test screenshot's pixels.
import seedrandom from 'seedrandom';
import sharp from 'sharp';
import { bboxIou, cropImage, type RgbImage } from '../image.ts';
import type { DetectorScene, SceneObject } from './evaluate.ts';

export interface Composite {
  scene: DetectorScene;
  /** indexes of the screenshots it was made from: the background first, then each donor */
  sources: number[];
}

export interface CopyPasteOptions {
  /** composites per screenshot (default 5) */
  perScreenshot?: number;
  /** characters pasted into each, at most (default 3) */
  maxPasted?: number;
  seed?: number;
}

const boxOf = (o: SceneObject): [number, number, number, number] => [o.box.xmin, o.box.ymin, o.box.xmax - o.box.xmin, o.box.ymax - o.box.ymin];

/** Composites of `scenes`: each screenshot as background for `perScreenshot` composites, with characters of the others. */
export async function copyPasteScenes(scenes: readonly DetectorScene[], opts: CopyPasteOptions = {}): Promise<Composite[]> {
  const per = opts.perScreenshot ?? 5;
  const maxPasted = opts.maxPasted ?? 3;
  const rand = seedrandom(`toonvision-copy-paste:${opts.seed ?? 1}`);
  const donors = scenes.flatMap((s, i) => s.objects.filter((o) => !o.difficult).map((o) => ({ i, o, crop: cropImage(s.image, o.box) })));
  const out: Composite[] = [];
  if (donors.length === 0) return out;
  for (const [i, s] of scenes.entries()) {
    for (let r = 0; r < per; r++) {
      const image: RgbImage = { width: s.image.width, height: s.image.height, data: Uint8Array.from(s.image.data) };
      const objects: SceneObject[] = [...s.objects];
      const sources = [i];
      const n = 1 + Math.floor(rand() * maxPasted);
      for (let k = 0; k < n; k++) {
        const d = donors[Math.floor(rand() * donors.length)]!;
        if (d.i === i) continue;
        const scale = Math.min((0.9 * image.height) / d.crop.height, 0.6 + 0.8 * rand());
        const w = Math.max(4, Math.round(d.crop.width * scale));
        const h = Math.max(4, Math.round(d.crop.height * scale));
        if (w >= image.width || h >= image.height) continue;
        for (let tries = 0; tries < 10; tries++) {
          const x = Math.floor(rand() * (image.width - w));
          const y = Math.floor(rand() * (image.height - h));
          if (objects.some((o) => bboxIou([x, y, w, h], boxOf(o)) > 0.05)) continue;
          let pipe = sharp(Buffer.from(d.crop.data.buffer, d.crop.data.byteOffset, d.crop.data.length), { raw: { width: d.crop.width, height: d.crop.height, channels: 3 } }).resize(w, h, { fit: 'fill' });
          if (rand() < 0.5) pipe = pipe.flop();
          const px = await pipe.raw().toBuffer();
          for (let yy = 0; yy < h; yy++) image.data.set(px.subarray(yy * w * 3, (yy + 1) * w * 3), ((y + yy) * image.width + x) * 3);
          objects.push({ label: d.o.label, box: { xmin: x, ymin: y, xmax: x + w, ymax: y + h } });
          if (!sources.includes(d.i)) sources.push(d.i);
          break;
        }
      }
      if (sources.length > 1) out.push({ scene: { image, objects, file: `${s.file ?? `screenshot ${i}`} (copy-paste ${r})` }, sources });
    }
  }
  return out;
}
