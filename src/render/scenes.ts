// `toonvision render`'s engine: composes scenes (compose.ts), has the Chromium page draw them (browser.ts)
// and writes DIR/render_<seed>_<i>.<jpg|png> with a labelImg VOC .xml beside each. Scene i of a seed
// depends on nothing but (seed, i), so a run continues the numbering after the scenes already in DIR and
// an interrupted run loses nothing: each file is written under a temporary name and renamed, the image
// first and the .xml last, and a scene found with its image but no .xml is rendered again.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { formatVoc, type VocAnnotation } from '../dataset/voc.ts';
import { moveNoClobber } from '../dataset/files.ts';
import { Rng } from '../synth/rng.ts';
import { findSetTextures, loadScreenshots, pickRegion, regionImage, type RealScreenshot } from './backgrounds.ts';
import { RenderPage } from './browser.ts';
import type { CharacterSource } from './characters.ts';
import { cameraPlan, composeScene, type ComposeContext, type ComposedScene } from './compose.ts';
import { labelObject, type LabelledObject } from './labels.ts';
import { findFonts } from './nametag.ts';
import type { CharacterPlan, PropPlan, ScenePlan } from './plan.ts';
import { PropSource, PROP_MODELS, type PropRole } from './props.ts';
import type { SetContext } from './sets.ts';

export type ImageFormat = 'jpg' | 'png';

export interface RenderOptions {
  out: string;
  count: number;
  seed: number;
  width: number;
  height: number;
  format: ImageFormat;
  /** asset folders (textures and fonts are looked up there) */
  assets: readonly string[];
  source: CharacterSource;
  /** the game's buildings and rooms for the sets (else the sets are built of planes only) */
  props?: PropSource;
  /** real screenshots (folders or files, each with its VOC) whose empty regions serve as backdrops */
  backgrounds?: readonly string[];
  chromium?: string;
  /** an open page to draw on (tests share one); else one is opened and closed */
  page?: RenderPage;
  onScene?: (done: number, total: number, file: string) => void;
  log?: (line: string) => void;
}

export interface RenderedScene {
  index: number;
  image: string;
  xml: string;
  objects: LabelledObject[];
  lighting: string;
  layout: string;
}

export interface RenderResult {
  scenes: RenderedScene[];
  /** scenes already complete in the folder before this run */
  existing: number;
  secondsPerScene: number;
  renderer: string | null;
}

export function sceneStem(seed: number, index: number): string {
  return `render_${seed}_${index}`;
}

/** The indexes of this seed's scenes in `dir`: complete ones and ones with an image but no .xml. */
export async function existingScenes(dir: string, seed: number): Promise<{ complete: Set<number>; partial: Map<number, { image?: string; xml: boolean }>; next: number }> {
  const complete = new Set<number>();
  const partial = new Map<number, { image?: string; xml: boolean }>();
  let next = 0;
  if (!existsSync(dir)) return { complete, partial, next };
  const re = new RegExp(`^render_${seed}_(\\d+)\\.(jpg|png|xml)$`);
  const found = new Map<number, { image?: string; xml?: boolean }>();
  for (const name of await readdir(dir)) {
    const m = re.exec(name);
    if (!m) continue;
    const i = Number(m[1]);
    const f = found.get(i) ?? {};
    if (m[2] === 'xml') f.xml = true;
    else f.image = name;
    found.set(i, f);
    next = Math.max(next, i + 1);
  }
  for (const [i, f] of found) {
    if (f.image && f.xml) complete.add(i);
    else partial.set(i, { ...(f.image ? { image: f.image } : {}), xml: f.xml === true });
  }
  return { complete, partial, next };
}

/** Writes `bytes` to `file` through a temporary name; never replaces an existing file. */
async function writeNew(file: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, bytes, { flag: 'wx' });
  try {
    await moveNoClobber(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

function safeKey(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

/** Scene `index` of `seed`, composed and turned into the page's plan (resources handed to the page). */
async function planScene(ctx: ComposeContext & { propSource?: PropSource }, page: RenderPage, shots: RealScreenshot[], seed: number, index: number, format: ImageFormat): Promise<{ composed: ComposedScene; plan: ScenePlan; cleanup: string[] }> {
  const rng = new Rng(`toonvision-render:${seed}:${index}`);
  const composed = await composeScene(ctx, rng, index);
  const cleanup: string[] = [];
  const characters: CharacterPlan[] = composed.characters.map((c, id) => {
    const key = safeKey(`char-${c.label}-${c.pose.animation ?? ''}-${c.pose.frame ?? ''}-${c.pose.seed ?? ''}.glb`);
    if (!page.has(key)) page.provide(key, { bytes: c.built.glb, type: 'model/gltf-binary' });
    const b = c.built.bounds;
    const r = 0.42 * Math.max(b.max[0] - b.min[0], b.max[2] - b.min[2]);
    return {
      id,
      label: c.label,
      glb: page.url(key),
      position: c.position,
      yaw: c.yaw,
      headTop: c.built.headTop,
      shadow: { radius: Math.max(0.6, r), opacity: composed.lighting === 'night' ? 0.35 : 0.55 },
      ...(c.nametag ? { nametag: c.nametag } : {}),
    };
  });
  const plan: ScenePlan = {
    width: ctx.width,
    height: ctx.height,
    antialias: true,
    camera: cameraPlan(composed.camera),
    light: composed.light,
    background: {},
    characters,
    fonts: [...ctx.fonts].map(([family, file]) => ({ family, url: page.provide(`font-${family}.ttf`, { file, type: 'font/ttf' }) })),
    output: process.env.TOONVISION_RENDER_ENCODE === 'page' ? (format === 'png' ? { type: 'image/png' } : { type: 'image/jpeg', quality: 0.92 }) : { type: 'raw' },
    ...(composed.blurPx ? { blurPx: composed.blurPx } : {}),
    // profiling: wait for the GPU after each step so that the page's timings say where time goes
    ...(process.env.TOONVISION_RENDER_TIMINGS ? { syncTimings: true } : {}),
  };
  const set = composed.set;
  const shot = composed.screenshot;
  let region = null;
  if (shot) {
    const pickRng = new Rng(`toonvision-render-backdrop:${shot.pick}`);
    for (let k = 0; k < shots.length && !region; k++) region = pickRegion(shots[(shot.pick + k) % shots.length]!, ctx.width / ctx.height, pickRng, { minHeight: ctx.height / 3 });
  }
  if (region && shot) {
    const key = `backdrop-${seed}-${index}.jpg`;
    plan.background.image = page.provide(key, { bytes: await regionImage(region, ctx.width, ctx.height, shot.tint, shot.blurPx), type: 'image/jpeg' });
    cleanup.push(key);
  } else {
    plan.background.colour = set.colour;
    if (set.sky) plan.background.image = page.provide(safeKey(`tex-${set.sky}`), { file: set.sky });
  }
  const texture = (f: string) => page.provide(safeKey(`tex-${f}`), { file: f });
  const props: PropPlan[] = [];
  for (const p of set.props) {
    const prop = await ctx.propSource?.get(p.path);
    if (!prop) continue;
    const key = safeKey(`prop-${p.path}.glb`);
    if (!page.has(key)) page.provide(key, { bytes: prop.glb, type: 'model/gltf-binary' });
    props.push({ glb: page.url(key), position: p.position, yaw: p.yaw, ...(p.tints ? { tints: p.tints.map((t) => (t.texture ? { ...t, texture: texture(t.texture) } : t)) } : {}) });
  }
  plan.set = { planes: set.planes.map((p) => (p.texture ? { ...p, texture: texture(p.texture) } : p)), props };
  return { composed, plan, cleanup };
}

/** Renders `count` new scenes into `out` (see the module comment). */
export async function renderScenes(opts: RenderOptions): Promise<RenderResult> {
  const log = opts.log ?? (() => {});
  await mkdir(opts.out, { recursive: true });
  if (!(await stat(opts.out)).isDirectory()) throw new Error(`${opts.out}: not a folder`);
  const out = path.resolve(opts.out);
  const { complete, partial, next } = await existingScenes(out, opts.seed);
  // finish interrupted scenes first, then continue the numbering
  const todo = [...partial.keys()].sort((a, b) => a - b).slice(0, opts.count);
  for (let i = next; todo.length < opts.count; i++) todo.push(i);

  const fonts = findFonts(opts.assets);
  for (const f of ['vtRemingtonPortable', 'ImpressBT']) if (!fonts.has(f)) log(`render: the game's ${f}.ttf is not in the asset folders; nametags use a system font instead`);
  const textures = findSetTextures(opts.assets);
  const loaded = opts.backgrounds?.length ? await loadScreenshots(opts.backgrounds) : { shots: [], skipped: [] };
  for (const s of loaded.skipped) log(`render: backdrop skipped: ${s}`);
  // only screenshots with room for a backdrop of this frame (large enough, clear of characters)
  const shots = loaded.shots.filter((s) => {
    const probe = new Rng(`toonvision-render-probe:${s.file}`);
    for (let k = 0; k < 10; k++) if (pickRegion(s, opts.width / opts.height, probe, { minHeight: opts.height / 3 })) return true;
    return false;
  });
  if (loaded.shots.length > shots.length) {
    const names = loaded.shots.filter((s) => !shots.includes(s)).map((s) => path.basename(s.file));
    log(`render: ${shots.length} of ${loaded.shots.length} screenshots have a region without characters large enough for ${opts.width}x${opts.height} backdrops (not: ${names.slice(0, 5).join(', ')}${names.length > 5 ? `, and ${names.length - 5} more` : ''})`);
  }
  // the set pieces the assets have (each built when a scene first uses it)
  const setProps: SetContext['props'] = {};
  if (opts.props) {
    for (const role of Object.keys(PROP_MODELS) as PropRole[]) {
      const paths = opts.props.available(role);
      if (paths.length) setProps[role] = paths;
    }
  }
  const propSource = opts.props;
  const ctx: ComposeContext & { propSource?: PropSource } = {
    width: opts.width,
    height: opts.height,
    source: opts.source,
    animations: { cog: await opts.source.animations('cog'), toon: await opts.source.animations('toon') },
    sets: { textures, props: setProps, screenshots: shots.length, bounds: async (p) => (await propSource?.get(p))?.bounds ?? null },
    fonts,
    ...(opts.props ? { propSource: opts.props } : {}),
  };

  const page = opts.page ?? (await RenderPage.open({ chromium: opts.chromium }));
  const scenes: RenderedScene[] = [];
  const t0 = performance.now();
  try {
    // compose scene k+1 (building its characters) while the page draws scene k
    let pending = todo.length ? planScene(ctx, page, shots, opts.seed, todo[0]!, opts.format) : null;
    for (let k = 0; k < todo.length; k++) {
      const index = todo[k]!;
      const { composed, plan, cleanup } = await pending!;
      pending = k + 1 < todo.length ? planScene(ctx, page, shots, opts.seed, todo[k + 1]!, opts.format) : null;
      pending?.catch(() => {});
      const drawn = await page.render(plan);
      if (plan.output.type === 'raw') {
        const t = performance.now();
        const img = sharp(drawn.image, { raw: { width: opts.width, height: opts.height, channels: 4 } }).removeAlpha();
        drawn.image = await (opts.format === 'png' ? img.png() : img.jpeg({ quality: 92 })).toBuffer();
        drawn.ms.nodeEncode = performance.now() - t;
      }
      if (process.env.TOONVISION_RENDER_TIMINGS) log(`render: scene ${index} ${JSON.stringify(Object.fromEntries(Object.entries(drawn.ms).map(([k, v]) => [k, Math.round(v)])))}`);
      for (const key of cleanup) page.forget(key);
      const objects = drawn.objects
        .map((o) => {
          const c = composed.characters[o.id]!;
          return labelObject(c.label, c.vocPose, o, opts.width, opts.height);
        })
        .filter((o): o is LabelledObject => o !== null);
      const stem = sceneStem(opts.seed, index);
      const imageName = `${stem}.${opts.format}`;
      const part = partial.get(index);
      const image = path.join(out, part?.image ?? imageName);
      const xml = path.join(out, `${stem}.xml`);
      const voc: VocAnnotation = {
        folder: path.basename(out),
        filename: path.basename(image),
        path: image,
        source: { database: 'Unknown' },
        size: { width: opts.width, height: opts.height, depth: 3 },
        segmented: 0,
        objects: objects.map(({ visible: _, ...o }) => o),
      };
      if (part?.image) {
        // an interrupted scene: its image is there; it must be this scene's (same size)
        const meta = await sharp(image).metadata();
        if (meta.width !== opts.width || meta.height !== opts.height) {
          throw new Error(`${image}: an unfinished scene of another size (${meta.width}x${meta.height}, not ${opts.width}x${opts.height}); move it away or render at its size`);
        }
      } else await writeNew(image, drawn.image);
      if (!part?.xml) await writeNew(xml, formatVoc(voc));
      scenes.push({ index, image, xml, objects, lighting: composed.lighting, layout: composed.layout });
      opts.onScene?.(k + 1, todo.length, image);
    }
  } finally {
    if (!opts.page) await page.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { scenes, existing: complete.size, secondsPerScene: scenes.length ? seconds / scenes.length : 0, renderer: page.info?.renderer ?? null };
}
