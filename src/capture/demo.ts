// The `demo` source: animated synthetic street scenes, shown as if they were the game window.
// Uses the scene generator of src/synth/ (createDemoScene) when it is present; until then, and as a
// last resort, a tiny built-in scene of moving coloured figures. Either way every frame carries its
// own object list (the truth), which the stand-in detector reads.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Box, RgbImage } from '../image.ts';
import { LABELS, SUIT_COLOURS, parseLabel } from '../taxonomy.ts';

export interface SceneObject {
  label: string;
  box: Box;
}
export interface DemoScene {
  frame(t: number): { image: RgbImage; objects: SceneObject[] } | Promise<{ image: RgbImage; objects: SceneObject[] }>;
  dispose?(): void;
}
export interface DemoSceneOptions {
  seed: number;
  width: number;
  height: number;
}

type Factory = (opts: DemoSceneOptions) => DemoScene | Promise<DemoScene>;

let synthFactory: { create?: Factory; reason?: string } | undefined;

/** The scene generator's createDemoScene, when src/synth/ exports it. */
async function loadSynth(): Promise<{ create?: Factory; reason?: string }> {
  if (synthFactory) return synthFactory;
  // index.ts in a checkout, index.js in the built package: the extension of this very module.
  const file = fileURLToPath(new URL(`../synth/index${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  if (!existsSync(file)) return (synthFactory = { reason: 'src/synth/index.ts is absent' });
  try {
    const mod = (await import(pathToFileURL(file).href)) as { createDemoScene?: Factory };
    if (typeof mod.createDemoScene !== 'function') return (synthFactory = { reason: 'src/synth/index.ts has no createDemoScene' });
    return (synthFactory = { create: mod.createDemoScene });
  } catch (err) {
    return (synthFactory = { reason: `src/synth/index.ts did not load (${(err as Error).message.split('\n')[0]})` });
  }
}

/** A small seeded PRNG (mulberry32) for the built-in scene. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(h: string): [number, number, number] {
  const n = parseInt(h.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The built-in stand-in scene: a sky/street backdrop and figures walking left and right. */
export function builtinDemoScene({ seed, width, height }: DemoSceneOptions): DemoScene {
  const rand = prng(seed);
  const figures = Array.from({ length: 5 }, (_, i) => {
    const label = LABELS[Math.floor(rand() * LABELS.length)]!;
    const p = parseLabel(label);
    const h = Math.round(height * (0.18 + rand() * 0.22));
    const w = Math.round(h * (p.kind === 'cog' ? 0.45 : 0.4));
    const colour = p.kind === 'cog' ? hex(SUIT_COLOURS[p.suit]) : ([80 + rand() * 170, 80 + rand() * 170, 80 + rand() * 170].map(Math.round) as [number, number, number]);
    return { label, w, h, colour, x0: rand() * (width - w), speed: (rand() - 0.5) * width * 0.2, y: Math.round(height * 0.45 + (i / 5) * height * 0.3) };
  });
  const backdrop = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sky = y < height * 0.45;
    const c = sky ? [120 + (y * 80) / height, 170 + (y * 60) / height, 235] : [110, 100 + (y * 30) / height, 95];
    for (let x = 0; x < width; x++) backdrop.set(c as number[], (y * width + x) * 3);
  }
  return {
    frame(t: number) {
      const data = backdrop.slice();
      const objects: SceneObject[] = [];
      for (const f of figures) {
        const span = width - f.w;
        let x = (f.x0 + f.speed * t) % (2 * span);
        if (x < 0) x += 2 * span;
        if (x > span) x = 2 * span - x;
        const xmin = Math.round(x);
        const ymin = Math.min(height - f.h, f.y);
        const box = { xmin, ymin, xmax: xmin + f.w, ymax: ymin + f.h };
        for (let yy = box.ymin; yy < box.ymax; yy++) {
          const head = yy < box.ymin + f.h * 0.3;
          for (let xx = box.xmin; xx < box.xmax; xx++) {
            const o = (yy * width + xx) * 3;
            if (head) {
              data[o] = 230;
              data[o + 1] = 200;
              data[o + 2] = 170;
            } else {
              data[o] = f.colour[0];
              data[o + 1] = f.colour[1];
              data[o + 2] = f.colour[2];
            }
          }
        }
        objects.push({ label: f.label, box });
      }
      return { image: { data, width, height }, objects };
    },
  };
}

/** The demo scene: the synthetic street generator where available, else the built-in stand-in. */
export async function createDemo(opts: DemoSceneOptions): Promise<{ scene: DemoScene; generator: string; note?: string }> {
  const synth = await loadSynth();
  if (synth.create) {
    try {
      return { scene: await synth.create(opts), generator: 'synth' };
    } catch (err) {
      return { scene: builtinDemoScene(opts), generator: 'builtin', note: `createDemoScene failed (${(err as Error).message.split('\n')[0]})` };
    }
  }
  return { scene: builtinDemoScene(opts), generator: 'builtin', note: synth.reason };
}
